#include "core/governance.hpp"

#include "core/calendar.hpp"
#include "core/engine.hpp"
#include "core/errors.hpp"
#include "core/model.hpp"
#include "core/params.hpp"
#include "core/rng.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>

// The vector helpers below are internal; their ABI on non-AVX builds does not matter.
#pragma GCC diagnostic ignored "-Wpsabi"

namespace pdlab {

const char* to_string(GovMetric m) {
  static const char* names[kGovMetrics] = {"effort_depth",
                                           "visible",
                                           "depth",
                                           "hierarchical_score",
                                           "horizontal_score",
                                           "participation_local",
                                           "participation_migrant",
                                           "participation_target",
                                           "belonging_local",
                                           "belonging_migrant",
                                           "trust_local",
                                           "trust_migrant",
                                           "grievance_local",
                                           "grievance_migrant",
                                           "satisfaction",
                                           "coverage",
                                           "so_capacity",
                                           "incidents",
                                           "claims",
                                           "escalated",
                                           "cost_control",
                                           "cost_compensation",
                                           "cost_root_cause",
                                           "cost_contracts"};
  return names[static_cast<int>(m)];
}

const char* gov_unit_column(int i) {
  static const char* names[13] = {"visible",
                                  "depth",
                                  "hierarchical_score",
                                  "horizontal_score",
                                  "participation_local",
                                  "participation_migrant",
                                  "belonging_local",
                                  "belonging_migrant",
                                  "trust",
                                  "grievance",
                                  "coverage",
                                  "incidents",
                                  "cost"};
  return names[i];
}

namespace {

[[noreturn]] void bad(const Scenario& s, const std::string& key, const std::string& value,
                      const std::string& what, const std::string& fix, std::int64_t line = 0) {
  fail(ErrorKind::config, {s.file, line, key, value}, what, fix);
}

// exp for the vectorised community loop: Cody-Waite reduction to 2^n e^f, |f| <= ln2 / 2,
// and e^f by its Taylor polynomial of degree 5 (relative error below 3e-6 plus the rounding of
// the reduction, ~1e-7 |x|). Plain arithmetic, same bits on every run.
// The community loop works on GCC/Clang vector extensions of N lanes: 4 (SSE2, every x86-64)
// or 8 (AVX2, chosen at run time where the CPU has it). Every lane does the same arithmetic
// and nothing is fused, so a community's values have the same bits at either width; only the
// order of the block sums over lanes differs.
constexpr std::size_t kMaxLanes = 16;
#define PDLAB_INLINE inline __attribute__((always_inline))

// Concrete typedefs: GCC ignores vector_size on dependent types inside templates.
using vf4 = float __attribute__((vector_size(16)));
using vi4 = std::int32_t __attribute__((vector_size(16)));
using vf8 = float __attribute__((vector_size(32)));
using vi8 = std::int32_t __attribute__((vector_size(32)));
using vf16 = float __attribute__((vector_size(64)));
using vi16 = std::int32_t __attribute__((vector_size(64)));
template <int N>
struct V;
template <>
struct V<4> {
  using f = vf4;
  using i = vi4;
};
template <>
struct V<8> {
  using f = vf8;
  using i = vi8;
};
template <>
struct V<16> {
  using f = vf16;
  using i = vi16;
};
static_assert(sizeof(V<4>::f) == 16 && sizeof(V<8>::f) == 32 && sizeof(V<8>::i) == 32);

template <class T, class E>
PDLAB_INLINE T vload(const E* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
template <class T>
PDLAB_INLINE void vstore(float* p, T v) {
  std::memcpy(p, &v, sizeof v);
}
template <class T>
PDLAB_INLINE T vmin(T a, T b) {
  return b < a ? b : a;
}
template <class T>
PDLAB_INLINE T vmax(T a, T b) {
  return a < b ? b : a;
}
template <class T>
PDLAB_INLINE T vclamp01(T x) {
  return vmin(T{} + 1.0F, vmax(T{}, x));
}
template <int N>
PDLAB_INLINE typename V<N>::f vexp(typename V<N>::f x) {
  using T = typename V<N>::f;
  using I = typename V<N>::i;
  x = vmin(T{} + 88.0F, vmax(T{} - 87.0F, x));
  const T t = x * 1.44269504088896341F;
  // Adding 1.5 * 2^23 rounds t to an integer n held in the low mantissa bits.
  const T shifted = t + 12582912.0F;
  const T n = shifted - 12582912.0F;
  const T f = (t - n) * 0.693147180559945309F;
  T p = T{} + 1.0F / 120.0F;
  p = p * f + 1.0F / 24.0F;
  p = p * f + 1.0F / 6.0F;
  p = p * f + 0.5F;
  p = p * f + 1.0F;
  p = p * f + 1.0F;
  I bits;
  std::memcpy(&bits, &shifted, sizeof bits);
  bits = (bits - 0x4B400000 + 127) << 23;  // 2^n
  T scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}
template <int N>
PDLAB_INLINE typename V<N>::f vlogistic(typename V<N>::f x) {
  return 1.0F / (1.0F + vexp<N>(-x));
}

// Parameters of one period in the units the update equations use (rates times dt).
struct Step {
  float dt;
  bool assess, copro, serv, stab;
  // assessment
  float e_plain, e_mandated;  // effort on depth of officials not / under a mandate
  float av, ad, as, rv, dv, rs, ds;
  bool veto;
  float veto_threshold;  // incidents per resident and period above which the veto bites
  // co-production
  float mob, ceiling, target, ic, wb, wt, ws, wp, wm, ar, bs, bp, turn[2], load, lcut, leff;
  float tr, si, sd, ss, sg, gin, gdec;
  // services
  float contracting, so_growth, so_decay, so_max, vol, gov, withdrawal, space, need[2], ccost;
  float demand_local, demand_migrant;  // children of working parents per resident
  // stability
  float ctrl, comp, root, inc0, incg, cef, pef, ctrust, cgriev, qrate, qdecay, qgriev, reff, rlag;
  float tol, esc, esci, eatt, absorb, kc, kp, kr;
};

Step make_step(const GovernanceParams& g, int periods_per_year) {
  Step s{};
  s.dt = 1.0F / static_cast<float>(periods_per_year);
  const auto& a = g.assessment;
  const auto& c = g.coproduction;
  const auto& v = g.services;
  const auto& b = g.stability;
  s.assess = a.enabled;
  s.copro = c.enabled;
  s.serv = v.enabled;
  s.stab = b.enabled;
  // Logit choice between visible work and depth on marginal payoffs (docs/model.md 7.9.1).
  const double m_depth =
      a.hierarchical_weight * a.depth_reward + a.horizontal_weight * c.satisfaction_depth;
  const double m_vis = a.hierarchical_weight * a.visible_reward;
  const double m_vis_mandate = a.hierarchical_weight * (a.visible_reward + a.deadline_reward);
  s.e_plain = a.enabled
                  ? static_cast<float>(1.0 / (1.0 + std::exp(-(m_depth - m_vis) / a.temperature)))
                  : 0.5F;
  s.e_mandated =
      a.enabled
          ? static_cast<float>(1.0 / (1.0 + std::exp(-(m_depth - m_vis_mandate) / a.temperature)))
          : 0.5F;
  const auto f = [](double x) { return static_cast<float>(x); };
  s.av = f(a.visible_reward);
  s.ad = f(a.deadline_reward);
  s.as = f(a.depth_reward);
  s.rv = f(a.visible_rate) * s.dt;
  s.dv = f(a.visible_decay) * s.dt;
  s.rs = f(a.depth_rate) * s.dt;
  s.ds = f(a.depth_decay) * s.dt;
  s.veto = a.veto;
  s.veto_threshold = f(a.veto_threshold) * s.dt * 1e-4F;
  s.mob = f(c.mobilisation);
  s.ceiling = f(c.ceiling);
  s.target = f(c.target);
  s.ic = f(c.intercept);
  s.wb = f(c.w_belonging);
  s.wt = f(c.w_trust);
  s.ws = f(c.w_services);
  s.wp = f(c.w_peers);
  s.wm = f(c.w_mobilisation);
  s.ar = std::min(1.0F, f(c.adjust_rate) * s.dt);
  s.bs = f(c.belonging_services) * s.dt;
  s.bp = f(c.belonging_participation) * s.dt;
  s.turn[0] = f(c.turnover_local) * s.dt;
  s.turn[1] = f(c.turnover_migrant) * s.dt;
  s.load = f(c.admin_load);
  s.lcut = f(c.task_list_cut);
  s.leff = f(c.load_effect);
  s.tr = f(c.trust_rate) * s.dt;
  s.si = f(c.satisfaction_intercept);
  s.sd = f(c.satisfaction_depth);
  s.ss = f(c.satisfaction_services);
  s.sg = f(c.satisfaction_grievance);
  s.gin = f(c.grievance_inflow) * s.dt;
  s.gdec = f(c.grievance_decay) * s.dt;
  s.contracting = f(v.contracting);
  s.so_growth = f(v.so_growth) * s.dt;
  s.so_decay = f(v.so_decay) * s.dt;
  s.so_max = f(std::max(v.so_max, 1e-9));
  s.vol = f(v.volunteer_rate);
  s.gov = f(v.government_direct);
  s.withdrawal = f(v.withdrawal);
  s.space = f(v.space);
  // Locals need the service in proportion to their share of children with working parents.
  s.need[0] = v.working_migrant > 0 ? f(std::min(1.0, v.working_local / v.working_migrant)) : 1.0F;
  s.demand_local = f(v.children_share * v.working_local);
  s.demand_migrant = f(v.children_share * v.working_migrant);
  s.need[1] = 1.0F;
  s.ccost = f(v.contract_cost) * s.dt;
  const double total = b.control + b.compensation + b.root_cause;
  const double k = b.enabled && total > 0 ? b.budget / total : 0.0;
  s.ctrl = f(k * b.control);
  s.comp = f(k * b.compensation);
  s.root = f(k * b.root_cause);
  s.inc0 = f(b.incident_rate) * s.dt * 1e-4F;  // per resident per period
  s.incg = f(b.incident_grievance);
  s.cef = f(b.control_effect);
  s.pef = f(b.compensation_effect);
  s.ctrust = f(b.control_trust) * s.dt;
  s.cgriev = f(b.control_grievance) * s.dt;
  s.qrate = f(b.claims_rate) * s.dt;
  s.qdecay = f(b.claims_decay) * s.dt;
  s.qgriev = f(b.claims_grievance) * s.dt;
  s.reff = f(b.root_effect) * s.dt;
  s.rlag = std::min(1.0F, s.dt / f(b.root_lag));
  s.tol = f(b.tolerance);
  s.esc = f(b.escalation) * s.dt * 1e-4F;
  s.esci = f(b.escalation_incident);
  s.eatt = f(b.escalation_attenuation);
  s.absorb = f(b.so_absorb);
  s.kc = f(b.control_cost) * s.dt * 1e-4F;
  s.kp = f(b.compensation_cost) * s.dt * 1e-4F;
  s.kr = f(b.root_cost) * s.dt * 1e-4F;
  return s;
}

// Poisson draw by inversion from one uniform; a normal approximation above mean 50.
std::int32_t poisson(double mean, double u, double u2) {
  if (mean <= 0) {
    return 0;
  }
  if (mean > 50) {
    const double z = std::sqrt(-2.0 * std::log(u)) * std::cos(6.283185307179586 * u2);
    return static_cast<std::int32_t>(std::max(0.0, std::floor(mean + std::sqrt(mean) * z + 0.5)));
  }
  double p = std::exp(-mean);
  double c = p;
  std::int32_t k = 0;
  while (u > c && k < 1000) {
    ++k;
    p *= mean / k;
    c += p;
  }
  return k;
}

// Arrays of one block's communities (structs of arrays), for the community kernel.
struct CommunityArrays {
  const std::int32_t* ton;
  const std::int32_t* toff;
  const float* mig;
  const float* w;
  const float* wl;
  const float* wm;
  const float* e_c;
  const float* claims_c;
  const float* rlag_c;
  const float* peers_c;
  float* pbar;
  float* depth;
  float* cov_c;
  float* part[2];
  float* bel[2];
  float* trust[2];
  float* griev[2];
  float* tgt[2];
  float* wx[8];
  float (*acc)[kMaxLanes];  // block sums by lane (lanes >= N left at 0)
};

// One period of every community of a block (docs/model.md 7.9.2-7.9.4), N at a time.
template <int N>
PDLAB_INLINE void community_lanes(const CommunityArrays& a, std::size_t nc, std::int32_t t,
                                  const Step& st, float so_cap) {
  using T = typename V<N>::f;
  using VI = typename V<N>::i;

  const float serv = st.serv ? 1.0F : 0.0F;
  const float copro = st.copro ? 1.0F : 0.0F;
  const float ctrl = st.stab ? st.ctrl : 0.0F;
  const float tloss = st.ctrust * ctrl;
  const float gctrl = st.cgriev * ctrl;
  const T one = T{} + 1.0F;
  T acc[9] = {};
  // Step fields as local vectors: loaded once, not once per iteration (stores to float
  // arrays could alias them as far as the compiler knows).
  const T v_ar = T{} + st.ar;
  const T v_bp = T{} + st.bp;
  const T v_bs = T{} + st.bs;
  const T v_ceiling = T{} + st.ceiling;
  const T v_contracting = T{} + st.contracting;
  const T v_ds = T{} + st.ds;
  const T v_gdec = T{} + st.gdec;
  const T v_gin = T{} + st.gin;
  const T v_gov = T{} + st.gov;
  const T v_ic = T{} + st.ic;
  const T v_lcut = T{} + st.lcut;
  const T v_leff = T{} + st.leff;
  const T v_load = T{} + st.load;
  const T v_mob = T{} + st.mob;
  const T v_qgriev = T{} + st.qgriev;
  const T v_reff = T{} + st.reff;
  const T v_rs = T{} + st.rs;
  const T v_sd = T{} + st.sd;
  const T v_sg = T{} + st.sg;
  const T v_si = T{} + st.si;
  const T v_space = T{} + st.space;
  const T v_ss = T{} + st.ss;
  const T v_tr = T{} + st.tr;
  const T v_vol = T{} + st.vol;
  const T v_wb = T{} + st.wb;
  const T v_withdrawal = T{} + st.withdrawal;
  const T v_wm = T{} + st.wm;
  const T v_wp = T{} + st.wp;
  const T v_ws = T{} + st.ws;
  const T v_wt = T{} + st.wt;
  const T v_need[2] = {T{} + st.need[0], T{} + st.need[1]};
  const T v_demand_local = T{} + st.demand_local;
  const T v_demand_migrant = T{} + st.demand_migrant;
  const T v_turn[2] = {T{} + st.turn[0], T{} + st.turn[1]};
  // N communities at a time; the arrays are padded to a multiple of kMaxLanes.
  for (std::size_t i = 0; i < nc; i += N) {
    const VI on = vload<VI>(&a.ton[i]);
    const VI off = vload<VI>(&a.toff[i]);
    const VI tv = VI{} + t;
    const VI live = (on <= tv) & (tv < off);  // -1 where adopted and not reversed
    const VI one_bits = live & 0x3F800000;    // the bits of 1.0F where live, else 0.0F
    T ac;
    std::memcpy(&ac, &one_bits, sizeof ac);
    const T m = vload<T>(&a.mig[i]);
    const T pb = vload<T>(&a.pbar[i]);
    const T con = serv * v_contracting * ac;
    const T so = con * so_cap;
    const T cov = serv * vmin(T{} + v_space, so + v_vol * pb + v_gov * (one - v_withdrawal * ac));
    const T d = vload<T>(&a.depth[i]);
    const T dn = d + v_rs * vload<T>(&a.e_c[i]) * ac * pb * (one - d) - v_ds * d;
    const T capf = v_ceiling * (one - v_leff * v_load * (one - v_lcut * ac));
    const T common = v_ic + v_wp * vload<T>(&a.peers_c[i]) + v_wm * v_mob * ac;
    const T gin_ctrl = gctrl + v_qgriev * vload<T>(&a.claims_c[i]);
    const T gout = v_reff * vload<T>(&a.rlag_c[i]) + v_gdec;
    T pk[2];
    T sat[2];
    for (int k = 0; k < 2; ++k) {  // locals, then migrants (need 1)
      const T cn = cov * v_need[k];
      const T b = vload<T>(&a.bel[k][i]);
      const T tr = vload<T>(&a.trust[k][i]);
      const T g = vload<T>(&a.griev[k][i]);
      const T p = vload<T>(&a.part[k][i]);
      const T target = capf * vlogistic<N>(common + v_wb * b + v_wt * tr + v_ws * cn);
      pk[k] = p + copro * v_ar * (target - p);
      vstore(&a.bel[k][i],
             vclamp01(b + copro * ((v_bs * cn + v_bp * pk[k]) * (one - b) - v_turn[k] * b)));
      sat[k] = vclamp01(v_si + v_sd * dn + v_ss * cn - v_sg * g);
      vstore(&a.trust[k][i], vclamp01(tr + v_tr * (sat[k] - tr) - tloss * tr));
      vstore(&a.griev[k][i], vclamp01(g + (v_gin * (one - cn) + gin_ctrl) * (one - g) - gout * g));
      vstore(&a.part[k][i], pk[k]);
      if (a.tgt[k] != nullptr) {  // only for resident agents; the test is hoisted
        vstore(&a.tgt[k][i], target);
      }
    }
    const T w = vload<T>(&a.w[i]);
    const T wl = vload<T>(&a.wl[i]);
    const T wm = vload<T>(&a.wm[i]);
    const T pbn = (one - m) * pk[0] + m * pk[1];
    const T satn = (one - m) * sat[0] + m * sat[1];
    vstore(&a.depth[i], dn);
    vstore(&a.pbar[i], pbn);
    vstore(&a.cov_c[i], cov);
    vstore(&a.wx[0][i], w * pbn);
    vstore(&a.wx[1][i], wl * vload<T>(&a.griev[0][i]) + wm * vload<T>(&a.griev[1][i]));
    vstore(&a.wx[2][i], w * satn);
    vstore(&a.wx[3][i], w * cov);
    vstore(&a.wx[4][i], w * dn);
    vstore(&a.wx[5][i], w * so);
    vstore(&a.wx[6][i], w * con);
    vstore(&a.wx[7][i], w * so * (v_demand_local + (v_demand_migrant - v_demand_local) * m));
    acc[0] += wl * pk[0];
    acc[1] += wm * pk[1];
    acc[2] += wl * vload<T>(&a.bel[0][i]);
    acc[3] += wm * vload<T>(&a.bel[1][i]);
    acc[4] += wl * vload<T>(&a.trust[0][i]);
    acc[5] += wm * vload<T>(&a.trust[1][i]);
    acc[6] += wl * vload<T>(&a.griev[0][i]);
    acc[7] += wm * vload<T>(&a.griev[1][i]);
    acc[8] += w * satn;
  }
  for (int k = 0; k < 9; ++k) {
    std::memcpy(a.acc[k], &acc[k], sizeof acc[k]);
  }
}

void community_kernel_sse(const CommunityArrays& a, std::size_t nc, std::int32_t t, const Step& st,
                          float so_cap) {
  community_lanes<4>(a, nc, t, st, so_cap);
}

#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target("avx2,fma"))) void community_kernel_avx2(const CommunityArrays& a,
                                                               std::size_t nc, std::int32_t t,
                                                               const Step& st, float so_cap) {
  community_lanes<8>(a, nc, t, st, so_cap);
}
__attribute__((target("avx512f,fma"))) void community_kernel_avx512(const CommunityArrays& a,
                                                                    std::size_t nc, std::int32_t t,
                                                                    const Step& st, float so_cap) {
  community_lanes<16>(a, nc, t, st, so_cap);
}
#endif

void community_kernel(const CommunityArrays& a, std::size_t nc, std::int32_t t, const Step& st,
                      float so_cap) {
  for (int k = 0; k < 9; ++k) {
    std::fill(a.acc[k], a.acc[k] + kMaxLanes, 0.0F);
  }
#if defined(__x86_64__) && defined(__GNUC__)
  static const bool fma = __builtin_cpu_supports("fma") != 0;
  static const bool avx512 = fma && __builtin_cpu_supports("avx512f") != 0;
  static const bool avx2 = fma && __builtin_cpu_supports("avx2") != 0;
  if (avx512) {
    community_kernel_avx512(a, nc, t, st, so_cap);
    return;
  }
  if (avx2) {
    community_kernel_avx2(a, nc, t, st, so_cap);
    return;
  }
#endif
  community_kernel_sse(a, nc, t, st, so_cap);
}

}  // namespace

GovernanceModel::GovernanceModel(const Model& m) : m_(m) {
  const auto& sc = m.scenario();
  const auto& h = m.hierarchy();
  const auto& g = sc.governance;
  lc_ = h.n_levels() - 1;
  if (!g.coproduction.community_level.empty()) {
    const auto l = h.level_index(g.coproduction.community_level);
    if (!l) {
      std::string all;
      for (const auto& n : h.level_names()) {
        all += (all.empty() ? "" : ", ") + n;
      }
      const auto near = closest(g.coproduction.community_level, h.level_names());
      bad(sc, "coproduction.community_level", g.coproduction.community_level,
          "no such level in the hierarchy (levels: " + all + ")",
          near.empty() ? "use one of the levels listed" : "did you mean '" + near + "'?");
    }
    lc_ = *l;
  }
  if (lc_ == 0) {
    bad(sc, "coproduction.community_level", h.level_names()[0],
        "the communities cannot be the top level: they need a local government above them",
        "choose a lower level, or a hierarchy with at least two levels");
  }
  lg_ = lc_ - 1;
  ls_ = std::max(0, lc_ - 2);
  const std::int32_t n = h.size();
  pop_.assign(n, 1000.0F);
  migrant_.assign(n, 0.0F);
  const auto read = [&](const std::string& key, const std::string& col, std::vector<float>& out,
                        float lo, float hi) {
    const auto a = h.attribute_index(col);
    if (!a) {
      const auto near = closest(col, h.source_columns());
      bad(sc, key, col, "the hierarchy has no such attribute column",
          near.empty() ? "use a column of the hierarchy file" : "did you mean '" + near + "'?");
    }
    const auto v = h.attribute(*a);
    for (std::int32_t u = h.level_begin(lc_); u < h.level_begin(lc_ + 1); ++u) {
      if (std::isnan(v[u])) {
        continue;  // documented default
      }
      if (v[u] < lo || v[u] > hi) {
        bad(sc, key, std::to_string(v[u]),
            "unit '" + std::string(h.id(u)) + "' (line " + std::to_string(h.source_line(u)) +
                " of " + h.source() + ") has a value outside [" + std::to_string(lo) + ", " +
                std::to_string(hi) + "]",
            "correct the column or choose another one");
      }
      out[u] = static_cast<float>(v[u]);
    }
  };
  read("coproduction.population", g.coproduction.population, pop_, 0.0F, 1e9F);
  impute_population(m, g.coproduction.population);
  read("coproduction.migrant_share", g.coproduction.migrant_share, migrant_, 0.0F, 1.0F);
  // Parameter schedule from set events on governance keys, in date order.
  schedule_.emplace_back(0, g);
  Scenario tmp = sc;
  std::vector<const CompiledEvent*> sets;
  for (const auto& e : m.events()) {
    if (e.type == CompiledEvent::Type::set && e.key != "adoption.alpha_shift") {
      sets.push_back(&e);
    }
  }
  for (const auto* e : sets) {  // events() is sorted by period (stable)
    *find_parameter(e->key)->real(tmp) = e->value;
    if (e->period == schedule_.back().first) {
      schedule_.back().second = tmp.governance;
    } else {
      schedule_.emplace_back(e->period, tmp.governance);
    }
  }
  for (const auto& e : m.events()) {
    if (e.type == CompiledEvent::Type::abolish) {
      const int l = h.level(e.units.front());
      if (l != lg_) {
        bad(sc, "event.level", h.level_names()[l],
            "the governance layer can abolish only the local-government tier ('" +
                h.level_names()[lg_] + "', the parents of the communities)",
            "abolish that tier, or switch the governance modules off");
      }
      abolish_.emplace_back(e.period, e.units);
    } else if (e.type == CompiledEvent::Type::merge) {
      for (auto u : e.units) {
        if (h.level(u) != lc_ || h.ancestor_at(u, ls_) != h.ancestor_at(e.issuer, ls_)) {
          bad(sc, "event.units", std::string(h.id(u)),
              "the governance layer merges communities ('" + h.level_names()[lc_] +
                  "') within one '" + h.level_names()[ls_] + "' only",
              "merge communities that share that ancestor");
        }
      }
      merges_.push_back({e.period, e.issuer, e.units});
    }
  }
  if (!g.coproduction.agents_root.empty()) {
    agents_root_ = h.find(g.coproduction.agents_root);
    if (agents_root_ < 0) {
      bad(sc, "coproduction.agents_root", g.coproduction.agents_root,
          "no unit with this id in the simulated hierarchy", "use the id of a unit, e.g. a city");
    }
    if (!g.coproduction.enabled) {
      bad(sc, "coproduction.agents_root", g.coproduction.agents_root,
          "resident agents need the co-production module", "set coproduction.enabled = true");
    }
    if (h.level(agents_root_) > lc_) {
      bad(sc, "coproduction.agents_root", g.coproduction.agents_root,
          "the unit lies below the community level", "use a city, district or community");
    }
  }
}

// Communities without a population (the shipped data give it by county) get their nearest
// ancestor's population shared equally among that ancestor's communities.
void GovernanceModel::impute_population(const Model& m, const std::string& column) {
  const auto& h = m.hierarchy();
  const auto a = h.attribute_index(column);
  if (!a) {
    return;
  }
  const auto col = h.attribute(*a);
  const std::int32_t n = h.size();
  std::vector<double> count(static_cast<std::size_t>(n), 0.0);
  for (std::int32_t u = h.level_begin(lc_); u < h.level_begin(lc_ + 1); ++u) {
    count[u] = 1.0;
  }
  for (std::int32_t u = h.level_begin(lc_) - 1; u >= 0; --u) {
    for (std::int32_t c = h.first_child(u); c < h.end_child(u); ++c) {
      count[u] += count[c];
    }
  }
  for (std::int32_t u = h.level_begin(lc_); u < h.level_begin(lc_ + 1); ++u) {
    if (!std::isnan(col[u])) {
      continue;
    }
    for (std::int32_t p = h.parent(u); p >= 0; p = h.parent(p)) {
      if (!std::isnan(col[p]) && count[p] > 0) {
        pop_[u] = static_cast<float>(col[p] / count[p]);
        break;
      }
    }
  }
}

bool GovernanceModel::metric_enabled(GovMetric m) const {
  const auto& g = m_.scenario().governance;
  switch (m) {
    case GovMetric::effort_depth:
    case GovMetric::visible:
    case GovMetric::depth:
    case GovMetric::hierarchical_score:
    case GovMetric::horizontal_score: return g.assessment.enabled;
    case GovMetric::participation_local:
    case GovMetric::participation_migrant:
    case GovMetric::participation_target:
    case GovMetric::belonging_local:
    case GovMetric::belonging_migrant: return g.coproduction.enabled;
    case GovMetric::trust_local:
    case GovMetric::trust_migrant:
    case GovMetric::grievance_local:
    case GovMetric::grievance_migrant:
    case GovMetric::satisfaction: return g.any();
    case GovMetric::coverage:
    case GovMetric::so_capacity:
    case GovMetric::cost_contracts: return g.services.enabled;
    default: return g.stability.enabled;
  }
}

bool GovernanceModel::metric_at(GovMetric m, int level) const {
  if (!metric_enabled(m)) {
    return false;
  }
  switch (m) {
    case GovMetric::effort_depth:
    case GovMetric::visible:
    case GovMetric::hierarchical_score:
    case GovMetric::horizontal_score: return level <= lg_;
    case GovMetric::depth: return level <= lc_;
    case GovMetric::so_capacity: return level == ls_;
    case GovMetric::incidents:
    case GovMetric::claims:
    case GovMetric::cost_control:
    case GovMetric::cost_compensation:
    case GovMetric::cost_root_cause:
    case GovMetric::cost_contracts: return level == lg_;
    case GovMetric::escalated: return level <= lg_;
    default: return level == lc_;
  }
}

// One replicate of the governance layer. Blocks are the units of the SO-holding level
// (districts): their local governments and communities interact only within the block, so a
// block runs through all periods with its state in cache before the next block starts.
class GovernanceRun {
 public:
  GovernanceRun(const GovernanceModel& g, const ReplicateResult& rr)
      : g_(g),
        m_(g.m_),
        h_(m_.hierarchy()),
        sc_(m_.scenario()),
        rng_(sc_.seed),
        rep_(static_cast<std::uint32_t>(rr.replicate)),
        periods_(m_.periods()),
        nl_(h_.n_levels()) {
    const std::int32_t n = h_.size();
    t_on_.assign(n, kNever);
    t_off_.assign(n, kNever);
    mandated_.assign(n, 0);
    const int pol = m_.governance_policy();
    std::vector<const Adoption*> rec(n, nullptr);
    for (const auto& a : rr.adoptions) {
      if (a.policy == pol) {
        rec[a.unit] = &a;
      }
    }
    for (std::int32_t u = 0; u < n; ++u) {
      if (const auto* a = rec[u]) {
        t_on_[u] = a->period;
        t_off_[u] = a->rev_period;
        const std::int32_t p = h_.parent(u);
        const bool forced = a->channel == Channel::mandate_deadline ||
                            a->channel == Channel::quota ||
                            (p >= 0 && rec[p] != nullptr && rec[p]->mode == Mode::mandate);
        mandated_[u] = forced ? 1 : 0;
      }
    }
    abolished_at_.assign(n, kNever);
    for (const auto& [t, units] : g_.abolish_) {
      for (auto u : units) {
        abolished_at_[u] = std::min(abolished_at_[u], t);
      }
    }
    out_.values.assign(static_cast<std::size_t>(kGovMetrics) * nl_ * periods_, std::nan(""));
    sum_.assign(out_.values.size(), 0.0);
    wsum_.assign(out_.values.size(), 0.0);
    upper_ = h_.level_begin(g_.lg_);
    jur_.assign(static_cast<std::size_t>(upper_) * periods_ * 4, 0.0F);
    sent_.assign(periods_, 0.0);
    pop_lg_.assign(periods_, 0.0);
    if (g_.agents_root_ >= 0) {
      out_.agents.assign(periods_, {0, 0, 0, 0});
      agent_w_.assign(periods_, {0, 0, 0, 0});
    }
    every_ = sc_.output.unit_time_every;
    max_level_ = m_.unit_time_max_level();
  }

  GovernanceResult run() {
    for (std::int32_t b = h_.level_begin(g_.ls_); b < h_.level_begin(g_.ls_ + 1); ++b) {
      block(b);
    }
    upper_officials();
    finish();
    return std::move(out_);
  }

 private:
  const GovernanceModel& g_;
  const Model& m_;
  const Hierarchy& h_;
  const Scenario& sc_;
  Rng rng_;
  std::uint32_t rep_;
  std::int32_t periods_;
  int nl_;
  std::vector<std::int32_t> t_on_, t_off_, abolished_at_;
  std::vector<std::uint8_t> mandated_;
  GovernanceResult out_;
  std::vector<double> sum_, wsum_;
  std::int32_t upper_ = 0;
  // Per upper unit and period: residents, x participation, x satisfaction, incidents.
  std::vector<float> jur_;
  std::vector<double> sent_, pop_lg_;
  std::vector<std::array<double, 4>> agent_w_;
  int every_ = 0;
  int max_level_ = 255;

  // Block scratch: communities [c0, c1) and local governments [g0, g1), structs of arrays.
  std::vector<float> w_, wl_, wm_, mig_, part_[2], bel_[2], trust_[2], griev_[2], depth_, pbar_;
  std::vector<std::int32_t> ton_, toff_;
  std::vector<float> e_c_, claims_c_, rlag_c_, peers_c_;  // inputs from the local government
  std::vector<float> cov_c_, tgt_[2];                     // outputs of this period
  std::vector<float> wx_[8];      // population-weighted outputs, summed by local government
  float acc_[9][kMaxLanes] = {};  // block sums by lane: groups' states, satisfaction
  std::vector<double> gw_;        // residents of each local government
  double bl_ = 0, bm_ = 0;        // locals and migrants of the block
  std::vector<float> vis_, claims_, rlag_, gpart_, gpart_new_, gpop_;
  std::vector<std::int32_t> gov_;
  struct Agent {
    std::int32_t community;
    std::uint8_t group;
    std::uint8_t active;
  };
  std::vector<Agent> agents_;

  bool active(std::int32_t u, std::int32_t t) const { return t_on_[u] <= t && t < t_off_[u]; }

  void add(GovMetric m, int level, std::int32_t t, double value, double weight) {
    const auto i = (static_cast<std::size_t>(m) * nl_ + level) * periods_ + t;
    sum_[i] += value * weight;
    wsum_[i] += weight;
  }
  // Per-period sums over the block's local governments, flushed once per period (fewer
  // scattered updates of the replicate's arrays).
  static constexpr int kSlots = 14;
  static constexpr GovMetric kSlotMetric[kSlots] = {GovMetric::coverage,
                                                    GovMetric::depth,
                                                    GovMetric::incidents,
                                                    GovMetric::claims,
                                                    GovMetric::escalated,
                                                    GovMetric::cost_control,
                                                    GovMetric::cost_compensation,
                                                    GovMetric::cost_root_cause,
                                                    GovMetric::cost_contracts,
                                                    GovMetric::effort_depth,
                                                    GovMetric::visible,
                                                    GovMetric::depth,
                                                    GovMetric::hierarchical_score,
                                                    GovMetric::horizontal_score};
  double pv_[kSlots] = {};
  double pw_[kSlots] = {};
  void padd(int slot, double value, double weight) {
    pv_[slot] += value * weight;
    pw_[slot] += weight;
  }
  void flush(std::int32_t t) {
    for (int k = 0; k < kSlots; ++k) {
      if (pw_[k] > 0) {
        const int level = k < 2 ? g_.lc_ : g_.lg_;
        const auto i = (static_cast<std::size_t>(kSlotMetric[k]) * nl_ + level) * periods_ + t;
        sum_[i] += pv_[k];
        wsum_[i] += pw_[k];
      }
      pv_[k] = pw_[k] = 0;
    }
  }
  void set_value(GovMetric m, int level, std::int32_t t, double value) {
    out_.values[(static_cast<std::size_t>(m) * nl_ + level) * periods_ + t] = value;
  }

  void block(std::int32_t b) {
    const int lg = g_.lg_;
    const int lc = g_.lc_;
    // Local governments of the block.
    std::int32_t g0 = b;
    std::int32_t g1 = b + 1;
    if (g_.ls_ < lg) {
      g0 = h_.first_child(b);
      g1 = h_.end_child(b);
    }
    if (g0 >= g1) {
      return;
    }
    const std::int32_t c0 = h_.first_child(g0);
    const std::int32_t c1 = h_.end_child(g1 - 1);
    const auto ng = static_cast<std::size_t>(g1 - g0);
    const auto nc = static_cast<std::size_t>(c1 - c0);
    init_block(c0, nc, ng);
    setup_agents(c0, c1);
    float so_cap = 0.0F;
    std::size_t sched = 0;
    Step st = make_step(g_.schedule_[0].second, sc_.calendar.periods_per_year);
    std::size_t next_merge = 0;
    const double per_year = sc_.calendar.periods_per_year;
    for (std::int32_t t = 0; t < periods_; ++t) {
      if (g_.advance(sched, t)) {
        st = make_step(g_.schedule_[sched].second, sc_.calendar.periods_per_year);
      }
      while (next_merge < g_.merges_.size() && g_.merges_[next_merge].period <= t) {
        merge(g_.merges_[next_merge++], c0, c1);
        street_pops(c0, ng);
      }
      // 1. What each local government does this period, broadcast to its communities.
      for (std::int32_t g = g0; g < g1; ++g) {
        const auto gi = static_cast<std::size_t>(g - g0);
        // The government in charge: the local one, or its parent once its tier is abolished.
        const std::int32_t gov = t >= abolished_at_[g] && g > 0 ? h_.parent(g) : g;
        gov_[gi] = gov;
        const bool act = active(gov, t);
        const float e = mandated_[gov] != 0 ? st.e_mandated : st.e_plain;
        const auto cb = static_cast<std::size_t>(h_.first_child(g) - c0);
        const auto ce = static_cast<std::size_t>(h_.end_child(g) - c0);
        // Locals, so that the fills below compile to plain stores.
        const float ev = act ? e : 0.0F;
        const float cl = claims_[gi];
        const float rl = rlag_[gi];
        const float pe = gpart_[gi];
        float* __restrict ec = e_c_.data();
        float* __restrict cc = claims_c_.data();
        float* __restrict rc = rlag_c_.data();
        float* __restrict pc = peers_c_.data();
        for (std::size_t i = cb; i < ce; ++i) {  // one pass, four stores
          ec[i] = ev;
          cc[i] = cl;
          rc[i] = rl;
          pc[i] = pe;
        }
      }
      // 2. Communities, branch-free over the whole block so that the loop vectorises.
      communities(nc, t, st, so_cap);
      // 3. Local governments: sums over their communities, stability, officials.
      double block_pop = 0;
      double block_contract = 0;
      for (std::int32_t g = g0; g < g1; ++g) {
        const auto gi = static_cast<std::size_t>(g - g0);
        const std::int32_t gov = gov_[gi];
        const bool act = active(gov, t);
        const float e = mandated_[gov] != 0 ? st.e_mandated : st.e_plain;
        const auto cb = static_cast<std::size_t>(h_.first_child(g) - c0);
        const auto ce = static_cast<std::size_t>(h_.end_child(g) - c0);
        // Population-weighted sums over the communities (products computed in the vector loop).
        // participation, grievance, satisfaction, coverage, depth, SO, contracts: seven
        // independent sums in one pass, so their additions overlap.
        float s[8] = {};
        {
          const float* x0 = wx_[0].data();
          const float* x1 = wx_[1].data();
          const float* x2 = wx_[2].data();
          const float* x3 = wx_[3].data();
          const float* x4 = wx_[4].data();
          const float* x5 = wx_[5].data();
          const float* x6 = wx_[6].data();
          const float* x7 = wx_[7].data();
          float a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0;
          for (std::size_t i = cb; i < ce; ++i) {
            a0 += x0[i];
            a1 += x1[i];
            a2 += x2[i];
            a3 += x3[i];
            a4 += x4[i];
            a5 += x5[i];
            a6 += x6[i];
            a7 += x7[i];
          }
          s[0] = a0;
          s[1] = a1;
          s[2] = a2;
          s[3] = a3;
          s[4] = a4;
          s[5] = a5;
          s[6] = a6;
          s[7] = a7;
        }
        const double sp = gw_[gi];
        const double sso = s[5];
        const double scon = s[6];
        block_pop += sp;
        block_contract += scon;
        const double inv = sp > 0 ? 1.0 / sp : 0.0;
        const double part = s[0] * inv;
        const double griev = s[1] * inv;
        const double sat = s[2] * inv;
        const double dep = s[4] * inv;
        gpart_new_[gi] = static_cast<float>(part);
        gpop_[gi] = static_cast<float>(sp);
        if (sp > 0) {
          padd(0, s[3] * inv, sp);
          padd(1, dep, sp);
        }
        // Stability: incidents from grievance and claims, cut now by control and compensation.
        std::int32_t incidents = 0;
        const float claims = claims_[gi];
        const float root_now = st.root * (act ? 1.0F : 0.0F);
        if (st.stab && sp > 0) {
          const double rate = st.inc0 * sp * std::exp(st.incg * griev) *
                              std::max(0.0F, 1.0F - st.cef * st.ctrl - st.pef * st.comp);
          const auto wds =
              rng_.words(rep_, static_cast<std::uint32_t>(t), static_cast<std::uint32_t>(g),
                         static_cast<std::uint32_t>(m_.governance_policy()), Draw::incident);
          incidents =
              poisson(rate, Rng::to_open_unit(wds[0], wds[1]), Rng::to_open_unit(wds[2], wds[3]));
          const double escalated = (st.esc * sp * std::max(0.0, griev - st.tol) +
                                    st.esci * static_cast<double>(incidents)) *
                                   std::max(0.0, 1.0 - st.absorb * sso * inv);
          claims_[gi] = claims + st.qrate * st.comp - st.qdecay * claims;
          rlag_[gi] = rlag_[gi] + st.rlag * (root_now * static_cast<float>(dep) - rlag_[gi]);
          const double per = 1e4 * per_year / sp;  // per 10,000 residents a year
          padd(2, static_cast<double>(incidents) * per, sp);
          padd(3, claims_[gi], sp);
          padd(4, escalated * per, sp);
          padd(5, st.kc * st.ctrl * sp * per, sp);
          padd(6, st.kp * (st.comp + claims) * sp * per, sp);
          padd(7, st.kr * root_now * sp * per, sp);
          sent_[t] += escalated;
          pop_lg_[t] += sp;
        }
        if (st.serv && sp > 0) {
          padd(8, st.ccost * static_cast<double>(s[7]) * per_year * 1e4 / sp, sp);
        }
        // The official in charge: effort split, visible outputs, both scores.
        float hscore = std::nanf("");
        const float v = vis_[gi];
        if (act) {
          vis_[gi] = v + st.rv * (1.0F - e) * (1.0F - v) - st.dv * v;
          hscore = st.av * vis_[gi] + st.ad * static_cast<float>(mandated_[gov]) +
                   st.as * static_cast<float>(dep);
          if (st.veto && static_cast<float>(incidents) > st.veto_threshold * gpop_[gi]) {
            hscore = 0.0F;
          }
          if (st.assess) {
            padd(9, e, 1.0);
            padd(10, vis_[gi], 1.0);
            padd(11, dep, 1.0);
            padd(12, hscore, 1.0);
            padd(13, sat, 1.0);
          }
        } else {
          vis_[gi] = v - st.dv * v;
        }
        // Jurisdiction sums for the officials above.
        if (lg > 0 && sp > 0) {
          float* j = &jur_[(static_cast<std::size_t>(h_.parent(g)) * periods_ + t) * 4];
          j[0] += static_cast<float>(sp);
          j[1] += static_cast<float>(part * sp);
          j[2] += static_cast<float>(sat * sp);
          j[3] += static_cast<float>(incidents);
        }
        if (every_ > 0 && (t + 1) % every_ == 0) {
          const float cost =
              static_cast<float>(sp * 1e-4) *
                  (st.stab ? st.kc * st.ctrl + st.kp * (st.comp + claims) + st.kr * root_now
                           : 0.0F) +
              st.ccost * s[7];
          double q[10] = {};  // wl, wm, wl p0, wm p1, wl b0, wm b1, w tr
          for (std::size_t i = cb; i < ce; ++i) {
            q[0] += wl_[i];
            q[1] += wm_[i];
            q[2] += wl_[i] * part_[0][i];
            q[3] += wm_[i] * part_[1][i];
            q[4] += wl_[i] * bel_[0][i];
            q[5] += wm_[i] * bel_[1][i];
            q[6] += wl_[i] * trust_[0][i] + wm_[i] * trust_[1][i];
          }
          const auto f = [](double x) { return static_cast<float>(x); };
          const float nan = std::nanf("");
          panel(g, c0, cb, ce, t,
                {vis_[gi], f(dep), hscore, f(sat), q[0] > 0 ? f(q[2] / q[0]) : nan,
                 q[1] > 0 ? f(q[3] / q[1]) : nan, q[0] > 0 ? f(q[4] / q[0]) : nan,
                 q[1] > 0 ? f(q[5] / q[1]) : nan, f(q[6] * inv), f(griev), f(s[3] * inv),
                 static_cast<float>(incidents), cost});
        }
      }
      flush(t);
      // Community-level outputs, population-weighted over the block's communities.
      double blk[12] = {};
      for (int k = 0; k < 8; ++k) {
        for (std::size_t l = 0; l < kMaxLanes; ++l) {
          blk[3 + k] += static_cast<double>(acc_[k][l]);
        }
      }
      blk[0] = block_pop;
      blk[1] = bl_;
      blk[2] = bm_;
      if (blk[0] > 0) {
        add(GovMetric::participation_local, lc, t, blk[1] > 0 ? blk[3] / blk[1] : 0.0, blk[1]);
        add(GovMetric::participation_migrant, lc, t, blk[2] > 0 ? blk[4] / blk[2] : 0.0, blk[2]);
        add(GovMetric::belonging_local, lc, t, blk[1] > 0 ? blk[5] / blk[1] : 0.0, blk[1]);
        add(GovMetric::belonging_migrant, lc, t, blk[2] > 0 ? blk[6] / blk[2] : 0.0, blk[2]);
        add(GovMetric::trust_local, lc, t, blk[1] > 0 ? blk[7] / blk[1] : 0.0, blk[1]);
        add(GovMetric::trust_migrant, lc, t, blk[2] > 0 ? blk[8] / blk[2] : 0.0, blk[2]);
        add(GovMetric::grievance_local, lc, t, blk[1] > 0 ? blk[9] / blk[1] : 0.0, blk[1]);
        add(GovMetric::grievance_migrant, lc, t, blk[2] > 0 ? blk[10] / blk[2] : 0.0, blk[2]);
        double ssat = 0;
        for (std::size_t l = 0; l < kMaxLanes; ++l) {
          ssat += static_cast<double>(acc_[8][l]);
        }
        add(GovMetric::satisfaction, lc, t, ssat / blk[0], blk[0]);
      }
      gpart_.swap(gpart_new_);
      if (st.serv) {
        const float share = block_pop > 0 ? static_cast<float>(block_contract / block_pop) : 0.0F;
        if (block_pop > 0) {
          add(GovMetric::so_capacity, g_.ls_, t, so_cap, block_pop);
        }
        so_cap = so_cap + st.so_growth * share * (1.0F - so_cap / st.so_max) - st.so_decay * so_cap;
      }
      step_agents(t, st, c0);
    }
  }

  void init_block(std::int32_t c0, std::size_t nc, std::size_t ng) {
    const auto& init = sc_.governance.coproduction;
    const std::size_t padded = (nc + kMaxLanes - 1) / kMaxLanes * kMaxLanes;
    for (auto* v : {&w_,        &wl_,     &wm_,      &mig_,   &depth_,  &pbar_,   &e_c_,
                    &claims_c_, &rlag_c_, &peers_c_, &cov_c_, &tgt_[0], &tgt_[1], &wx_[0],
                    &wx_[1],    &wx_[2],  &wx_[3],   &wx_[4], &wx_[5],  &wx_[6],  &wx_[7]}) {
      v->assign(padded, 0.0F);
    }
    ton_.assign(padded, kNever);
    toff_.assign(padded, kNever);
    for (std::size_t i = 0; i < nc; ++i) {
      const auto c = static_cast<std::int32_t>(c0 + static_cast<std::int32_t>(i));
      set_pop(i, g_.pop_[c], g_.migrant_[c]);
      ton_[i] = t_on_[c];
      toff_[i] = t_off_[c];
      pbar_[i] = static_cast<float>(init.initial_participation);
    }
    for (int k = 0; k < 2; ++k) {
      part_[k].assign(padded, static_cast<float>(init.initial_participation));
      bel_[k].assign(padded, static_cast<float>(k == 0 ? init.initial_belonging_local
                                                       : init.initial_belonging_migrant));
      trust_[k].assign(padded, static_cast<float>(init.initial_trust));
      griev_[k].assign(padded, static_cast<float>(init.initial_grievance));
    }
    vis_.assign(ng, 0.0F);
    claims_.assign(ng, 0.0F);
    rlag_.assign(ng, 0.0F);
    gpart_.assign(ng, static_cast<float>(init.initial_participation));
    gpart_new_.assign(ng, 0.0F);
    gpop_.assign(ng, 0.0F);
    gov_.assign(ng, 0);
    street_pops(c0, ng);
  }

  // Residents by local government and group; again after each merge.
  void street_pops(std::int32_t c0, std::size_t ng) {
    gw_.assign(ng, 0.0);
    bl_ = bm_ = 0;
    const std::int32_t g0 = h_.parent(c0);
    for (std::size_t gi = 0; gi < ng; ++gi) {
      const auto g = g0 + static_cast<std::int32_t>(gi);
      for (auto c = h_.first_child(g); c < h_.end_child(g); ++c) {
        const auto i = static_cast<std::size_t>(c - c0);
        gw_[gi] += w_[i];
        bl_ += wl_[i];
        bm_ += wm_[i];
      }
    }
  }

  void set_pop(std::size_t i, float pop, float migrant) {
    w_[i] = pop;
    mig_[i] = migrant;
    wl_[i] = pop * (1.0F - migrant);
    wm_[i] = pop * migrant;
  }

  // One period of every community of the block (docs/model.md 7.9.2-7.9.3). Written without
  // branches or library calls so that the compiler vectorises it.
  void communities(std::size_t nc, std::int32_t t, const Step& st, float so_cap) {
    CommunityArrays a{ton_.data(),
                      toff_.data(),
                      mig_.data(),
                      w_.data(),
                      wl_.data(),
                      wm_.data(),
                      e_c_.data(),
                      claims_c_.data(),
                      rlag_c_.data(),
                      peers_c_.data(),
                      pbar_.data(),
                      depth_.data(),
                      cov_c_.data(),
                      {},
                      {},
                      {},
                      {},
                      {},
                      {},
                      acc_};
    for (int k = 0; k < 2; ++k) {
      a.part[k] = part_[k].data();
      a.bel[k] = bel_[k].data();
      a.trust[k] = trust_[k].data();
      a.griev[k] = griev_[k].data();
      a.tgt[k] = agents_.empty() ? nullptr : tgt_[k].data();
    }
    for (int k = 0; k < 8; ++k) {
      a.wx[k] = wx_[k].data();
    }
    community_kernel(a, nc, t, st, so_cap);
  }

  void merge(const GovernanceModel::Merge& mg, std::int32_t c0, std::int32_t c1) {
    if (mg.into < c0 || mg.into >= c1) {
      return;  // another block's communities
    }
    const auto s = static_cast<std::size_t>(mg.into - c0);
    for (auto u : mg.units) {
      const auto i = static_cast<std::size_t>(u - c0);
      const float w = w_[i];
      const float ws = w_[s];
      if (w <= 0) {
        continue;
      }
      // Residents pool: every state becomes the population-weighted mean (per group).
      const float al = wl_[s] + wl_[i] > 0 ? wl_[s] / (wl_[s] + wl_[i]) : 0.5F;
      const float am = wm_[s] + wm_[i] > 0 ? wm_[s] / (wm_[s] + wm_[i]) : 0.5F;
      for (int k = 0; k < 2; ++k) {
        const float a = k == 0 ? al : am;
        for (auto* v : {&part_[k], &bel_[k], &trust_[k], &griev_[k]}) {
          (*v)[s] = a * (*v)[s] + (1 - a) * (*v)[i];
        }
      }
      const float a = ws / (ws + w);
      depth_[s] = a * depth_[s] + (1 - a) * depth_[i];
      set_pop(s, ws + w, (wm_[s] + wm_[i]) / (ws + w));
      pbar_[s] = (1 - mig_[s]) * part_[0][s] + mig_[s] * part_[1][s];
      set_pop(i, 0.0F, 0.0F);
    }
  }

  // Panel rows of local government g (gl = its values) and its communities [cb, ce).
  void panel(std::int32_t g, std::int32_t c0, std::size_t cb, std::size_t ce, std::int32_t t,
             const std::array<float, 13>& gl) {
    if (h_.level(g) <= max_level_) {
      out_.units.push_back({g, t, gl});
    }
    if (g_.lc_ <= max_level_) {
      for (std::size_t i = cb; i < ce; ++i) {
        if (w_[i] <= 0) {
          continue;
        }
        GovUnitRow r{c0 + static_cast<std::int32_t>(i), t, {}};
        r.v.fill(std::nanf(""));
        r.v[1] = depth_[i];
        r.v[4] = part_[0][i];
        r.v[5] = part_[1][i];
        r.v[6] = bel_[0][i];
        r.v[7] = bel_[1][i];
        const float m = mig_[i];
        r.v[8] = (1 - m) * trust_[0][i] + m * trust_[1][i];
        r.v[9] = (1 - m) * griev_[0][i] + m * griev_[1][i];
        r.v[10] = cov_c_[i];
        out_.units.push_back(r);
      }
    }
  }

  // Individual residents of the agents_root city: each period an agent revises with
  // probability adjust_rate x dt and then participates when a fresh threshold lies below its
  // group's participation target; the mean follows the group equation (docs/model.md 7.9.2).
  void setup_agents(std::int32_t c0, std::int32_t c1) {
    agents_.clear();
    if (g_.agents_root_ < 0) {
      return;
    }
    const int lr = h_.level(g_.agents_root_);
    const auto& cp = sc_.governance.coproduction;
    for (std::int32_t c = c0; c < c1; ++c) {
      if (h_.ancestor_at(c, lr) != g_.agents_root_) {
        continue;
      }
      const auto n = static_cast<std::int32_t>(
          std::min<double>(cp.agents_per_community, std::floor(g_.pop_[c])));
      const auto nm =
          static_cast<std::int32_t>(std::lround(static_cast<double>(n) * g_.migrant_[c]));
      for (std::int32_t a = 0; a < n; ++a) {
        agents_.push_back(
            {c, static_cast<std::uint8_t>(a < nm ? 1 : 0), static_cast<std::uint8_t>(0)});
      }
    }
    // Start at the group's initial participation.
    for (std::size_t a = 0; a < agents_.size(); ++a) {
      const auto w = rng_.words(rep_, 0xFFFFFFFFU, static_cast<std::uint32_t>(agents_[a].community),
                                static_cast<std::uint32_t>(a), Draw::agent);
      agents_[a].active = Rng::to_open_unit(w[0], w[1]) < cp.initial_participation ? 1 : 0;
    }
  }

  void step_agents(std::int32_t t, const Step& st, std::int32_t c0) {
    if (agents_.empty()) {
      return;
    }
    auto& out = out_.agents[t];
    auto& w = agent_w_[t];
    for (std::size_t a = 0; a < agents_.size(); ++a) {
      auto& ag = agents_[a];
      const auto i = static_cast<std::size_t>(ag.community - c0);
      const int k = ag.group;
      const float target = tgt_[k][i];
      const auto wd =
          rng_.words(rep_, static_cast<std::uint32_t>(t), static_cast<std::uint32_t>(ag.community),
                     static_cast<std::uint32_t>(a), Draw::agent);
      if (Rng::to_open_unit(wd[0], wd[1]) < st.ar) {
        ag.active = Rng::to_open_unit(wd[2], wd[3]) < target ? 1 : 0;
      }
      out[k] += ag.active;
      w[k] += 1;
    }
    // The group model's participation for the same communities, weighted like the agents.
    for (std::size_t a = 0; a < agents_.size(); ++a) {
      const auto i = static_cast<std::size_t>(agents_[a].community - c0);
      out[2 + agents_[a].group] += part_[agents_[a].group][i];
    }
  }

  void upper_officials() {
    if (upper_ == 0) {
      return;
    }
    // Children's jurisdiction sums into their parents, deepest first.
    for (std::int32_t u = upper_ - 1; u > 0; --u) {
      const std::int32_t p = h_.parent(u);
      for (std::int32_t t = 0; t < periods_; ++t) {
        const float* a = &jur_[(static_cast<std::size_t>(u) * periods_ + t) * 4];
        float* b = &jur_[(static_cast<std::size_t>(p) * periods_ + t) * 4];
        for (int k = 0; k < 4; ++k) {
          b[k] += a[k];
        }
      }
    }
    for (std::int32_t u = 0; u < upper_; ++u) {
      if (t_on_[u] == kNever) {
        continue;
      }
      std::size_t sched = 0;
      Step st = make_step(g_.schedule_[0].second, sc_.calendar.periods_per_year);
      float vis = 0.0F;
      float dep = 0.0F;
      const int l = h_.level(u);
      for (std::int32_t t = 0; t < periods_; ++t) {
        if (g_.advance(sched, t)) {
          st = make_step(g_.schedule_[sched].second, sc_.calendar.periods_per_year);
        }
        const float* j = &jur_[(static_cast<std::size_t>(u) * periods_ + t) * 4];
        const float jp = j[0] > 0 ? j[1] / j[0] : 0.0F;
        const float js = j[0] > 0 ? j[2] / j[0] : 0.0F;
        if (!active(u, t)) {
          vis -= st.dv * vis;
          dep -= st.ds * dep;
          continue;
        }
        const float e = mandated_[u] != 0 ? st.e_mandated : st.e_plain;
        vis += st.rv * (1.0F - e) * (1.0F - vis) - st.dv * vis;
        dep += st.rs * e * jp * (1.0F - dep) - st.ds * dep;
        float hs = st.av * vis + st.ad * static_cast<float>(mandated_[u]) + st.as * dep;
        if (st.veto && j[0] > 0 && j[3] > st.veto_threshold * j[0]) {
          hs = 0.0F;
        }
        if (st.assess) {
          add(GovMetric::effort_depth, l, t, e, 1.0);
          add(GovMetric::visible, l, t, vis, 1.0);
          add(GovMetric::depth, l, t, dep, 1.0);
          add(GovMetric::hierarchical_score, l, t, hs, 1.0);
          add(GovMetric::horizontal_score, l, t, js, 1.0);
        }
      }
    }
  }

  void finish() {
    for (std::size_t i = 0; i < sum_.size(); ++i) {
      if (wsum_[i] > 0) {
        out_.values[i] = sum_[i] / wsum_[i];
      }
    }
    if (!out_.agents.empty()) {
      for (std::int32_t t = 0; t < periods_; ++t) {
        for (int k = 0; k < 2; ++k) {
          const double n = agent_w_[t][k];
          out_.agents[t][k] = n > 0 ? out_.agents[t][k] / n : std::nan("");
          out_.agents[t][2 + k] = n > 0 ? out_.agents[t][2 + k] / n : std::nan("");
        }
      }
    }
    // Per period, with the parameters then in force (set events): the pressure received by
    // higher levels (what local governments send reaches their superiors in full and each
    // further level up in part) and the state's participation target.
    std::size_t sched = 0;
    for (std::int32_t t = 0; t < periods_; ++t) {
      g_.advance(sched, t);
      const auto& gp = g_.schedule_[sched].second;
      if (gp.stability.enabled && pop_lg_[t] > 0) {
        double f = 1.0;
        for (int l = g_.lg_ - 1; l >= 0; --l) {
          set_value(GovMetric::escalated, l, t,
                    sent_[t] * f * 1e4 * sc_.calendar.periods_per_year / pop_lg_[t]);
          f *= gp.stability.escalation_attenuation;
        }
      }
      if (gp.coproduction.enabled) {
        set_value(GovMetric::participation_target, g_.lc_, t, gp.coproduction.target);
      }
    }
  }
};

float detail::kernel_logistic(float x) {
  const auto v = vlogistic<4>(vf4{} + x);
  return v[0];
}

GovernanceResult run_governance(const GovernanceModel& g, const ReplicateResult& adoption) {
  GovernanceRun run(g, adoption);
  return run.run();
}

}  // namespace pdlab
