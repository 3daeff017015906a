#include "tlb.h"
