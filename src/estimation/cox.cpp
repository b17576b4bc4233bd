#include "pdlab/estimation/cox.hpp"

#include "estimation/gram.hpp"
#include "pdlab/core/errors.hpp"

#include <tbb/parallel_for.h>
#include <tbb/parallel_sort.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

namespace pdlab {

namespace {

// One stratum's rows, sorted for the sweep over event times (latest first).
struct Stratum {
  std::vector<Eigen::Index> by_stop;   // rows by stop time, descending
  std::vector<Eigen::Index> by_start;  // rows by start time, descending
};

struct Pass {
  double loglik = 0;
  Eigen::VectorXd score;
  Eigen::MatrixXd info;
};

class CoxProblem {
 public:
  // Rows are permuted once into sweep order (strata, then stop time descending), so that the
  // sweep reads the data sequentially; perm_ maps positions back to the caller's rows.
  CoxProblem(const Eigen::MatrixXd& x, const Eigen::VectorXd& start, const Eigen::VectorXd& stop,
             const Eigen::VectorXd& event, const CoxOptions& opt)
      : opt_(opt), p_(x.cols()) {
    std::map<std::int64_t, std::vector<Eigen::Index>> groups;
    for (Eigen::Index i = 0; i < x.rows(); ++i) {
      groups[opt.strata.empty() ? 0 : opt.strata[i]].push_back(i);
    }
    for (auto& [key, rows] : groups) {
      // A total order (ties by row), so the parallel sort is deterministic.
      tbb::parallel_sort(rows.begin(), rows.end(), [&](auto a, auto b) {
        if (stop[a] != stop[b]) {
          return stop[a] > stop[b];
        }
        if (event[a] != event[b]) {
          return event[a] > event[b];
        }
        return a < b;
      });
      perm_.insert(perm_.end(), rows.begin(), rows.end());
    }
    const auto n = static_cast<Eigen::Index>(perm_.size());
    xr_.resize(n, p_);
    start_.resize(n);
    stop_.resize(n);
    event_.resize(n);
    for (Eigen::Index k = 0; k < n; ++k) {
      const auto i = perm_[static_cast<std::size_t>(k)];
      xr_.row(k) = x.row(i);
      start_[k] = start[i];
      stop_[k] = stop[i];
      event_[k] = event[i];
    }
    Eigen::Index offset = 0;
    for (const auto& [key, rows] : groups) {
      Stratum s;
      s.by_stop.resize(rows.size());
      std::iota(s.by_stop.begin(), s.by_stop.end(), offset);
      s.by_start = s.by_stop;
      std::stable_sort(s.by_start.begin(), s.by_start.end(),
                       [&](auto a, auto b) { return start_[a] > start_[b]; });
      offset += static_cast<Eigen::Index>(rows.size());
      strata_.push_back(std::move(s));
    }
  }

  std::int64_t strata() const { return static_cast<std::int64_t>(strata_.size()); }

  // Log partial likelihood, score and information at beta. If `residuals` is given, also the
  // score residual of every row (n x p), for the robust variance.
  Pass evaluate(const Eigen::VectorXd& beta, Eigen::MatrixXd* residuals) const {
    const Eigen::Index n = xr_.rows();
    Pass out;
    out.score = Eigen::VectorXd::Zero(p_);
    out.info = Eigen::MatrixXd::Zero(p_, p_);
    Eigen::VectorXd eta(n);
    Eigen::VectorXd w(n);
    constexpr Eigen::Index kChunk = 65536;
    tbb::parallel_for(Eigen::Index{0}, (n + kChunk - 1) / kChunk, [&](Eigen::Index b) {
      const Eigen::Index r0 = b * kChunk;
      const Eigen::Index m = std::min(kChunk, n - r0);
      eta.segment(r0, m).noalias() = xr_.middleRows(r0, m) * beta;
      for (Eigen::Index i = r0; i < r0 + m; ++i) {
        w[i] = std::exp(eta[i]);
      }
    });
    // For residuals: cumulative hazard increments and their x-bar weighted sums over event
    // times, recorded per event time in sweep order (latest first).
    struct EventTime {
      double time;
      double dh;           // sum_k 1 / den_k
      Eigen::VectorXd dg;  // sum_k xbar_k / den_k
      double dh_death;     // sum_k (1 - f_k) / den_k  (for the deaths at this time)
      Eigen::VectorXd dg_death;
      Eigen::VectorXd xbar_mean;  // (1/d) sum_k xbar_k
    };
    Eigen::VectorXd h = Eigen::VectorXd::Zero(n);  // per row: sum of c_ik / den_k at risk
    for (const auto& s : strata_) {
      double s0 = 0;
      Eigen::VectorXd s1 = Eigen::VectorXd::Zero(p_);
      std::size_t next_in = 0;
      std::size_t next_out = 0;
      std::vector<EventTime> times;
      std::size_t k = 0;
      while (k < s.by_stop.size()) {
        const double t = stop_[s.by_stop[k]];
        // Enter every row with stop >= t.
        while (next_in < s.by_stop.size() && stop_[s.by_stop[next_in]] >= t) {
          const auto i = s.by_stop[next_in++];
          s0 += w[i];
          s1 += w[i] * xr_.row(i).transpose();
        }
        // Remove rows whose interval starts at or after t (not at risk at t).
        while (next_out < s.by_start.size() && start_[s.by_start[next_out]] >= t) {
          const auto i = s.by_start[next_out++];
          s0 -= w[i];
          s1 -= w[i] * xr_.row(i).transpose();
        }
        // Deaths at t.
        double e0 = 0;
        Eigen::VectorXd e1 = Eigen::VectorXd::Zero(p_);
        int d = 0;
        std::size_t j = k;
        for (; j < s.by_stop.size() && stop_[s.by_stop[j]] == t; ++j) {
          const auto i = s.by_stop[j];
          if (event_[i] > 0.5) {
            ++d;
            e0 += w[i];
            e1 += w[i] * xr_.row(i).transpose();
            out.loglik += eta[i];
            out.score += xr_.row(i).transpose();
          }
        }
        k = j;
        if (d == 0) {
          continue;
        }
        EventTime et{t,
                     0,
                     Eigen::VectorXd::Zero(p_),
                     0,
                     Eigen::VectorXd::Zero(p_),
                     Eigen::VectorXd::Zero(p_)};
        // Efron's d steps: xbar_k = a_k s1 - b_k e1 with a_k = 1/den_k, b_k = f_k/den_k, so every
        // sum over k reduces to a few scalar sums (O(d + p^2) per event time, not O(d p^2)).
        double sa = 0, sb = 0, saa = 0, sab = 0, sbb = 0, sfaa = 0, sfab = 0, sfa = 0;
        for (int r = 0; r < d; ++r) {
          const double f = opt_.ties == CoxTies::efron ? static_cast<double>(r) / d : 0.0;
          const double den = s0 - f * e0;
          const double a = 1 / den;
          const double b = f / den;
          out.loglik -= std::log(den);
          sa += a;
          sb += b;
          saa += a * a;
          sab += a * b;
          sbb += b * b;
          sfa += (1 - f) * a;
          sfaa += (1 - f) * a * a;
          sfab += (1 - f) * a * b;
        }
        out.score -= sa * s1 - sb * e1;
        // The sum_k S2_k / den_k part of the information is added per row below.
        out.info -= saa * s1 * s1.transpose() - sab * (s1 * e1.transpose() + e1 * s1.transpose()) +
                    sbb * e1 * e1.transpose();
        et.dh = sa;
        et.dh_death = sfa;
        et.dg = saa * s1 - sab * e1;
        et.dg_death = sfaa * s1 - sfab * e1;
        et.xbar_mean = (sa * s1 - sb * e1) / d;
        times.push_back(std::move(et));
      }
      row_hazards(s, times, h);
      if (residuals != nullptr) {
        score_residuals(s, times, w, residuals);
      }
    }
    // Information, second-moment part: sum over event times and Efron steps of S2_k / den_k
    // = sum over rows of w_i h_i x_i x_i', one parallel weighted Gram matrix.
    const Eigen::VectorXd v = (w.array() * h.array()).sqrt().matrix();
    out.info += weighted_gram(xr_, v);
    return out;
  }

 private:
  // h_i = sum over event times t in (start_i, stop_i] of sum_k c_ik / den_k(t), with
  // c_ik = 1 - f_k at the row's own death time and 1 otherwise.
  template <typename Times>
  void row_hazards(const Stratum& s, const Times& times, Eigen::VectorXd& h) const {
    const std::size_t m = times.size();
    std::vector<double> tt(m), ch(m + 1, 0.0);
    for (std::size_t a = 0; a < m; ++a) {
      const auto& et = times[m - 1 - a];  // recorded latest first
      tt[a] = et.time;
      ch[a + 1] = ch[a] + et.dh;
    }
    auto upto = [&](double t) {
      return static_cast<std::size_t>(std::upper_bound(tt.begin(), tt.end(), t) - tt.begin());
    };
    for (auto i : s.by_stop) {
      const auto b = upto(stop_[i]);
      double hi = ch[b] - ch[upto(start_[i])];
      if (event_[i] > 0.5 && b > 0 && tt[b - 1] == stop_[i]) {
        const auto& et = times[m - b];
        hi -= et.dh - et.dh_death;
      }
      h[i] = hi;
    }
  }

  // Score residual of row i: sum over event times in (start_i, stop_i] of
  //   death_i(t) (x_i - mean_k xbar_k) - sum_k c_ik w_i (x_i - xbar_k) / den_k,
  // with c_ik = 1 - f_k for the deaths at t and 1 otherwise.
  template <typename Times>
  void score_residuals(const Stratum& s, const Times& times, const Eigen::VectorXd& w,
                       Eigen::MatrixXd* res) const {
    // Cumulative sums in increasing time: H(t) = sum of dh over event times <= t.
    const std::size_t m = times.size();
    std::vector<double> tt(m), ch(m + 1, 0.0);
    Eigen::MatrixXd cg = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(m) + 1, p_);
    for (std::size_t a = 0; a < m; ++a) {
      const auto& et = times[m - 1 - a];  // times were recorded latest first
      tt[a] = et.time;
      ch[a + 1] = ch[a] + et.dh;
      cg.row(static_cast<Eigen::Index>(a) + 1) =
          cg.row(static_cast<Eigen::Index>(a)) + et.dg.transpose();
    }
    auto upto = [&](double t) {  // number of event times <= t
      return static_cast<std::size_t>(std::upper_bound(tt.begin(), tt.end(), t) - tt.begin());
    };
    for (auto i : s.by_stop) {
      const auto a = upto(start_[i]);
      const auto b = upto(stop_[i]);
      const auto ea = static_cast<Eigen::Index>(a);
      const auto eb = static_cast<Eigen::Index>(b);
      Eigen::RowVectorXd r = -w[i] * ((ch[b] - ch[a]) * xr_.row(i) - (cg.row(eb) - cg.row(ea)));
      if (event_[i] > 0.5 && b > 0 && tt[b - 1] == stop_[i]) {
        const auto& et = times[m - b];
        // Replace the weight 1 by 1 - f_k at the death's own time, and add the death term.
        r += w[i] * ((et.dh - et.dh_death) * xr_.row(i) - (et.dg - et.dg_death).transpose());
        r += xr_.row(i) - et.xbar_mean.transpose();
      }
      res->row(perm_[static_cast<std::size_t>(i)]) = r;
    }
  }

  const CoxOptions& opt_;
  Eigen::Index p_;
  std::vector<Eigen::Index> perm_;
  // Row-major, in sweep order: the sweep adds whole rows, read sequentially.
  Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> xr_;
  Eigen::VectorXd start_, stop_, event_;
  std::vector<Stratum> strata_;
};

// A covariate the partial likelihood cannot estimate (constant, within every stratum; or
// collinear with earlier ones) leaves the information matrix singular. Found as the GLM finds
// aliased columns (glm.cpp), on the information at beta = 0 in column order, and refused
// naming the terms (survival's coxph reports NA for them).
void refuse_inestimable(const Eigen::MatrixXd& info, const Eigen::MatrixXd& xc,
                        const std::vector<std::string>& names, double tolerance) {
  // The column's own spread bounds its information's scale: a column constant within every
  // stratum has information 0 up to rounding, however large its values.
  const auto keep = kept_columns(info, tolerance, [&](Eigen::Index j) {
    const double spread = xc.col(j).squaredNorm();
    return spread == 0 || !(info(j, j) > 1e-12 * spread);
  });
  std::string bad;
  std::string first;
  for (Eigen::Index j = 0, at = 0; j < info.cols(); ++j) {
    if (at < static_cast<Eigen::Index>(keep.size()) && keep[static_cast<std::size_t>(at)] == j) {
      ++at;
      continue;
    }
    first = bad.empty() ? names[static_cast<std::size_t>(j)] : first;
    bad += (bad.empty() ? "'" : ", '") + names[static_cast<std::size_t>(j)] + "'";
  }
  if (!bad.empty()) {
    fail(ErrorKind::data, {"", 0, first, ""},
         "the Cox model cannot estimate " + bad +
             ": constant (within each stratum) or collinear with earlier terms",
         "drop the term: a constant is absorbed by the baseline hazard");
  }
}

}  // namespace

FitStatistics cox_statistics(const CoxFit& fit) {
  FitStatistics s;
  for (Eigen::Index j = 0; j < fit.coef.size(); ++j) {
    s.parameters += std::isnan(fit.coef[j]) ? 0 : 1;
  }
  const auto k = static_cast<double>(s.parameters);
  s.aic = -2 * fit.log_likelihood + 2 * k;
  s.bic = -2 * fit.log_likelihood + std::log(static_cast<double>(fit.events)) * k;
  s.lr_statistic = 2 * (fit.log_likelihood - fit.log_likelihood_null);
  s.lr_df = s.parameters;
  s.lr_p_value = chi_squared_p_value(s.lr_statistic, k);
  return s;
}

CoxFit fit_cox(const Eigen::MatrixXd& x, const Eigen::VectorXd& start, const Eigen::VectorXd& stop,
               const Eigen::VectorXd& event, const std::vector<std::string>& names,
               const CoxOptions& opt) {
  const Eigen::Index n = x.rows();
  const Eigen::Index p = x.cols();
  if (start.size() != n || stop.size() != n || event.size() != n ||
      static_cast<Eigen::Index>(names.size()) != p) {
    throw Error(ErrorKind::internal, "fit_cox: inconsistent sizes");
  }
  if (n == 0 || p == 0) {
    fail(ErrorKind::data, {}, "nothing to fit", "give rows and at least one covariate");
  }
  for (Eigen::Index i = 0; i < n; ++i) {
    if (!(start[i] < stop[i])) {
      fail(ErrorKind::data, {"", 0, "tstart", std::to_string(start[i])},
           "row " + std::to_string(i + 1) + " has start >= stop",
           "each interval must be (start, stop] with start < stop");
    }
    if (event[i] != 0 && event[i] != 1) {
      fail(ErrorKind::data, {"", 0, "event", std::to_string(event[i])},
           "the event indicator must be 0 or 1", "code events as 1");
    }
  }
  if (!x.allFinite()) {
    fail(ErrorKind::data, {}, "covariates have missing or infinite values", "drop or fill them");
  }
  CoxFit fit;
  fit.names = names;
  fit.n = n;
  fit.events = static_cast<std::int64_t>(event.sum());
  if (fit.events == 0) {
    fail(ErrorKind::data, {}, "no events", "a Cox model needs at least one event");
  }
  // Centre covariates as survival does (numerically kinder; does not change the estimates).
  const Eigen::RowVectorXd means = x.colwise().mean();
  const Eigen::MatrixXd xc = x.rowwise() - means;
  // The largest centred |value| of each column: its unit, for the scale checks below.
  const Eigen::VectorXd unit = xc.cwiseAbs().colwise().maxCoeff().transpose();
  {
    const Eigen::MatrixXd gram = unweighted_gram(xc);
    for (Eigen::Index j = 0; j < p; ++j) {
      if (const double v = badly_scaled(xc, gram, j); v > 0) {
        refuse_scale(names[static_cast<std::size_t>(j)], v);
      }
    }
  }
  const CoxProblem problem(xc, start, stop, event, opt);
  fit.n_strata = opt.strata.empty() ? 0 : problem.strata();
  Eigen::VectorXd beta = Eigen::VectorXd::Zero(p);
  Pass cur = problem.evaluate(beta, nullptr);
  fit.log_likelihood_null = cur.loglik;
  refuse_inestimable(cur.info, xc, names, opt.alias_tolerance);
  Eigen::VectorXd step_last = Eigen::VectorXd::Zero(p);
  Eigen::VectorXd step_prev = Eigen::VectorXd::Zero(p);
  for (fit.iterations = 1; fit.iterations <= opt.max_iterations; ++fit.iterations) {
    const Eigen::LDLT<Eigen::MatrixXd> ldlt(cur.info);
    // Singular judged on the information with each column scaled to unit variance: a GDP in
    // yuan (1e12) beside a share must not make it look singular (it did: rcond 1e-20).
    const Eigen::VectorXd root = cur.info.diagonal().cwiseMax(0.0).cwiseSqrt();
    const bool degenerate = !(root.array() > 0).all();
    const Eigen::MatrixXd scaled =
        degenerate ? cur.info
                   : Eigen::MatrixXd(root.cwiseInverse().asDiagonal() * cur.info *
                                     root.cwiseInverse().asDiagonal());
    const Eigen::LDLT<Eigen::MatrixXd> scaled_ldlt(scaled);
    if (ldlt.info() != Eigen::Success || degenerate || scaled_ldlt.info() != Eigen::Success ||
        !(scaled_ldlt.rcond() >= 1e-13)) {  // NaN: singular
      fail(ErrorKind::data, {}, "the information matrix is singular",
           "remove collinear or constant covariates");
    }
    Eigen::VectorXd next = beta + ldlt.solve(cur.score);
    Pass trial = problem.evaluate(next, nullptr);
    // Step halving while the likelihood gets worse (as survival's agfit4).
    for (int half = 0; half < 30 && !(trial.loglik >= cur.loglik); ++half) {
      next = (next + beta) / 2;
      trial = problem.evaluate(next, nullptr);
    }
    const bool done = std::fabs(1 - cur.loglik / trial.loglik) <= opt.epsilon;
    step_prev = step_last;
    step_last = next - beta;
    beta = next;
    cur = std::move(trial);
    if (done) {
      fit.converged = true;
      break;
    }
  }
  if (!fit.converged) {
    fit.iterations = opt.max_iterations;
    fit.warnings.push_back("Newton-Raphson did not converge: a coefficient may be infinite");
  }
  fit.log_likelihood = cur.loglik;
  const Eigen::MatrixXd vinv = cur.info.ldlt().solve(Eigen::MatrixXd::Identity(p, p));
  fit.coef = beta;
  fit.se = vinv.diagonal().cwiseSqrt();
  // Monotone likelihood, as separation in the GLM (glm.cpp): a converging coefficient's
  // Newton steps shrink quadratically, a diverging one's stay about constant.
  fit.separated.assign(static_cast<std::size_t>(p), false);
  for (Eigen::Index j = 0; fit.iterations >= 3 && j < p; ++j) {
    const double last = std::fabs(step_last[j]);
    // On the scale of the column's largest centred value: the same flags in any unit.
    if (std::fabs(beta[j]) * unit[j] > 3 &&
        last * unit[j] > 1e-3 * (1 + std::fabs(beta[j]) * unit[j]) &&
        last > 0.3 * std::fabs(step_prev[j])) {
      fit.separated[static_cast<std::size_t>(j)] = true;
      fit.warnings.push_back("monotone likelihood: the estimate of '" + names[j] +
                             "' diverges (it still moved by a steady step at the last Newton "
                             "iteration); its estimate and standard errors are not meaningful");
    }
  }
  for (Eigen::Index j = 0; j < p; ++j) {
    if (fit.separated[static_cast<std::size_t>(j)]) {
      continue;
    }
    if (std::fabs(beta[j]) * unit[j] > 20 || fit.se[j] * unit[j] > 1e3) {
      fit.warnings.push_back("'" + names[j] +
                             "' has a huge estimate or standard error: (quasi-)separation?");
    }
  }
  if (!opt.clusters.empty()) {
    Eigen::MatrixXd res = Eigen::MatrixXd::Zero(n, p);
    problem.evaluate(beta, &res);
    std::map<std::int64_t, Eigen::Index> index;
    for (auto c : opt.clusters) {
      index.emplace(c, static_cast<Eigen::Index>(index.size()));
    }
    fit.n_clusters = static_cast<std::int64_t>(index.size());
    if (fit.n_clusters < 2) {
      fail(ErrorKind::data, {}, "cluster-robust standard errors need at least 2 clusters",
           "choose a cluster variable with several values, or none");
    }
    Eigen::MatrixXd by = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(index.size()), p);
    for (Eigen::Index i = 0; i < n; ++i) {
      by.row(index[opt.clusters[i]]) += res.row(i);
    }
    const Eigen::MatrixXd dfbeta = by * vinv;
    fit.se_robust = (dfbeta.transpose() * dfbeta).diagonal().cwiseSqrt();
  }
  return fit;
}

}  // namespace pdlab
