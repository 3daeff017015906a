#include "pfa.h"
