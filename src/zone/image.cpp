// Zone image helpers (out of line).
#include "zone/image.h"
