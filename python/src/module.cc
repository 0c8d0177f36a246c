// The extension module hogmf._hogmf: the library's calls that the Python
// package (python/hogmf/) builds its estimator on.
#include <pybind11/pybind11.h>

#include "binding.h"

PYBIND11_MODULE(_hogmf, m) {
  m.doc() = "hogmf's C++ core; use the hogmf package instead.";
  namespace hp = hogmf::python;
  hp::RegisterStatus(m);
  hp::RegisterParams(m);
  hp::RegisterRatings(m);
  hp::RegisterModel(m);
  hp::RegisterTrain(m);
  hp::RegisterQueries(m);
}
