#include "lk.h"
