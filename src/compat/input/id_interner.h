// Transitional: forwards the old include path to src/formats/id_interner.h.
#pragma once
#include "formats/id_interner.h"
