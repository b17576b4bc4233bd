// Names of the estimation options and the convergence rule, shared by the CLI and Python so
// that both accept the same spellings and refuse with the same messages.
#include "pdlab/core/errors.hpp"
#include "pdlab/study/estimation_study.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cstddef>

namespace pdlab::study {

namespace {

// The position of `name` in `names`, or a usage error listing the choices.
std::size_t choice_index(const std::vector<std::string>& names, const std::string& name,
                         const std::string& field, const char* what) {
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (names[i] == name) {
      return i;
    }
  }
  fail(ErrorKind::usage, {"", 0, field, name}, fmt::format("unknown {}", what),
       fmt::format("use one of '{}'", fmt::join(names, "', '")));
}

}  // namespace

// The order of each list is the order of the enum's values.
const std::vector<std::string>& glm_link_names() {
  static const std::vector<std::string> names{"logit", "cloglog"};
  return names;
}

GlmLink glm_link_from_name(const std::string& name, const std::string& field) {
  return static_cast<GlmLink>(choice_index(glm_link_names(), name, field, "link function"));
}

const char* glm_link_name(GlmLink link) {
  return glm_link_names()[static_cast<std::size_t>(link)].c_str();
}

const std::vector<std::string>& cox_ties_names() {
  static const std::vector<std::string> names{"efron", "breslow"};
  return names;
}

CoxTies cox_ties_from_name(const std::string& name, const std::string& field) {
  return static_cast<CoxTies>(choice_index(cox_ties_names(), name, field, "ties method"));
}

const std::vector<std::string>& transmission_names() {
  static const std::vector<std::string> names{"exponential", "power-law", "rayleigh"};
  return names;
}

Transmission transmission_from_name(const std::string& name, const std::string& field) {
  return static_cast<Transmission>(
      choice_index(transmission_names(), name, field, "transmission model"));
}

const std::vector<std::string>& netinf_flavour_names() {
  static const std::vector<std::string> names{"snap", "networkinference"};
  return names;
}

NetInfFlavour netinf_flavour_from_name(const std::string& name, const std::string& field) {
  return static_cast<NetInfFlavour>(choice_index(netinf_flavour_names(), name, field, "flavour"));
}

void require_converged(bool converged, const std::string& out) {
  if (converged) {
    return;
  }
  throw Error(ErrorKind::data,
              "the model did not converge" +
                  (out.empty() ? std::string() : "; " + out + " was not written") +
                  ". Fix: check the data for separation (a covariate that predicts the event "
                  "perfectly), drop or combine such terms, or rescale covariates");
}

}  // namespace pdlab::study
