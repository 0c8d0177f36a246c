// Transitional: forwards the old include path to src/formats/text_scanner.h.
#pragma once
#include "formats/text_scanner.h"
