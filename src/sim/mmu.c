#include "mmu.h"
