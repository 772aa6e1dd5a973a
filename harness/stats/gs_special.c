/* SPDX-License-Identifier: MIT */
/* Special functions (gs_special.h): continued fractions and series evaluated in log space, after
 * Press et al. (modified Lentz for the continued fractions), written anew here. Only lgamma,
 * log, log1p, exp and erfc come from libm. */
#include "gs_special.h"

#include <float.h>
#include <math.h>

#define SPECIAL_EPS 1e-16
#define SPECIAL_TINY 1e-300
#define SPECIAL_MAXIT 1000000

/* Stirling's remainder: lgamma(x) - ((x - 0.5) log x - x + 0.5 log 2pi), for x >= 10. */
static double special_stirling_delta(double x)
{
    double x2 = 1.0 / (x * x);
    return (1.0 / 12 - x2 * (1.0 / 360 - x2 * (1.0 / 1260 - x2 * (1.0 / 1680)))) / x;
}

double gs_special_lbeta(double a, double b)
{
    if (a < 10 || b < 10)
        return lgamma(a) + lgamma(b) - lgamma(a + b);
    /* Large arguments: lgamma(a + b) is huge and its rounding error would swamp the
     * difference; write the difference directly (Stirling), with logs of ratios near 1. */
    double c = a + b;
    return (a - 0.5) * log(a / c) + (b - 0.5) * log(b / c) - 0.5 * log(c) +
           0.5 * log(2 * M_PI) + special_stirling_delta(a) + special_stirling_delta(b) -
           special_stirling_delta(c);
}

/* Continued fraction for I_x(a, b) (converges fast for x < (a+1)/(a+b+2)). */
static double special_betacf(double a, double b, double x)
{
    double qab = a + b, qap = a + 1.0, qam = a - 1.0;
    double c = 1.0, d = 1.0 - qab * x / qap;
    if (fabs(d) < SPECIAL_TINY)
        d = SPECIAL_TINY;
    d = 1.0 / d;
    double h = d;
    for (int m = 1; m <= SPECIAL_MAXIT; m++) {
        double m2 = 2.0 * m;
        double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 + aa * d;
        if (fabs(d) < SPECIAL_TINY)
            d = SPECIAL_TINY;
        c = 1.0 + aa / c;
        if (fabs(c) < SPECIAL_TINY)
            c = SPECIAL_TINY;
        d = 1.0 / d;
        h *= d * c;
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 + aa * d;
        if (fabs(d) < SPECIAL_TINY)
            d = SPECIAL_TINY;
        c = 1.0 + aa / c;
        if (fabs(c) < SPECIAL_TINY)
            c = SPECIAL_TINY;
        d = 1.0 / d;
        double del = d * c;
        h *= del;
        if (fabs(del - 1.0) < SPECIAL_EPS)
            break;
    }
    return h;
}

/* log(x^a (1-x)^b / B(a, b)), the factor in front of the continued fraction. For large a, b
 * the terms a log x and -lbeta are huge and nearly cancel near the mode x = a/(a+b); regroup
 * as a log(x c / a) + b log((1-x) c / b) with c = a + b, whose arguments are near 1 there. */
static double special_beta_lfront(double a, double b, double x)
{
    if (a < 10 || b < 10)
        return a * log(x) + b * log1p(-x) - gs_special_lbeta(a, b);
    double c = a + b, y = 1.0 - x;
    double d = x * b - y * a; /* x c - a == -(y c - b) */
    return a * log1p(d / a) + b * log1p(-d / b) + 0.5 * log(a * b / c) - 0.5 * log(2 * M_PI) -
           (special_stirling_delta(a) + special_stirling_delta(b) - special_stirling_delta(c));
}

/* I_x(a, b) when |upper| is 0, 1 - I_x(a, b) when it is 1; each computed directly on the side
 * where the continued fraction converges, so small tails keep their relative precision. */
static double special_betainc_side(double a, double b, double x, int upper)
{
    if (!(a > 0) || !(b > 0) || !(x >= 0) || !(x <= 1))
        return NAN;
    if (x == 0)
        return upper ? 1.0 : 0.0;
    if (x == 1)
        return upper ? 0.0 : 1.0;
    double lfront = special_beta_lfront(a, b, x);
    if (x < (a + 1.0) / (a + b + 2.0)) {
        double lower = exp(lfront) * special_betacf(a, b, x) / a;
        return upper ? 1.0 - lower : lower;
    }
    double up = exp(lfront) * special_betacf(b, a, 1.0 - x) / b;
    return upper ? up : 1.0 - up;
}

double gs_special_betainc(double a, double b, double x)
{
    return special_betainc_side(a, b, x, 0);
}

double gs_special_betaincc(double a, double b, double x)
{
    return special_betainc_side(a, b, x, 1);
}

/* log of the common factor x^a e^-x / Gamma(a). */
static double special_gamma_lfront(double a, double x)
{
    return a * log(x) - x - lgamma(a);
}

/* P(a, x) by its series; converges for x < a + 1. */
static double special_gamma_series(double a, double x)
{
    double ap = a, del = 1.0 / a, sum = del;
    for (int n = 0; n < SPECIAL_MAXIT; n++) {
        ap += 1.0;
        del *= x / ap;
        sum += del;
        if (fabs(del) < fabs(sum) * SPECIAL_EPS)
            break;
    }
    return sum * exp(special_gamma_lfront(a, x));
}

/* Q(a, x) by its continued fraction; converges for x >= a + 1. */
static double special_gamma_cf(double a, double x)
{
    double b = x + 1.0 - a, c = 1.0 / SPECIAL_TINY, d = 1.0 / b, h = d;
    for (int i = 1; i <= SPECIAL_MAXIT; i++) {
        double an = -i * (i - a);
        b += 2.0;
        d = an * d + b;
        if (fabs(d) < SPECIAL_TINY)
            d = SPECIAL_TINY;
        c = b + an / c;
        if (fabs(c) < SPECIAL_TINY)
            c = SPECIAL_TINY;
        d = 1.0 / d;
        double del = d * c;
        h *= del;
        if (fabs(del - 1.0) < SPECIAL_EPS)
            break;
    }
    return exp(special_gamma_lfront(a, x)) * h;
}

double gs_special_gammainc_p(double a, double x)
{
    if (!(a > 0) || !(x >= 0))
        return NAN;
    if (x == 0)
        return 0.0;
    if (isinf(x))
        return 1.0;
    return x < a + 1.0 ? special_gamma_series(a, x) : 1.0 - special_gamma_cf(a, x);
}

double gs_special_gammainc_q(double a, double x)
{
    if (!(a > 0) || !(x >= 0))
        return NAN;
    if (x == 0)
        return 1.0;
    if (isinf(x))
        return 0.0;
    return x < a + 1.0 ? 1.0 - special_gamma_series(a, x) : special_gamma_cf(a, x);
}

double gs_special_norm_cdf(double x)
{
    return 0.5 * erfc(-x / M_SQRT2);
}

double gs_special_norm_sf(double x)
{
    return 0.5 * erfc(x / M_SQRT2);
}

/* Acklam's rational approximation of the lower-tail quantile (relative error ~1e-9) for
 * p <= 0.5, refined below with Halley steps on erfc to full double precision. */
static double special_norm_ppf_lower(double p)
{
    static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,
                               -2.759285104469687e+02, 1.383577518672690e+02,
                               -3.066479806614716e+01, 2.506628277459239e+00};
    static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02,
                               -1.556989798598866e+02, 6.680131188771972e+01,
                               -1.328068155288572e+01};
    static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01,
                               -2.400758277161838e+00, -2.549732539343734e+00,
                               4.374664141464968e+00,  2.938163982698783e+00};
    static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                               3.754408661907416e+00};
    double x;
    if (p < 0.02425) {
        double q = sqrt(-2.0 * log(p));
        x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
            ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1.0);
    } else {
        double q = p - 0.5, r = q * q;
        x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
            (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1.0);
    }
    /* Halley steps on F(x) - p; relative to p so the far tail refines as well as the centre. */
    for (int i = 0; i < 2; i++) {
        double e = gs_special_norm_cdf(x) - p;
        double u = e * sqrt(2.0 * M_PI) * exp(0.5 * x * x);
        x = x - u / (1.0 + 0.5 * x * u);
    }
    return x;
}

double gs_special_norm_ppf(double p)
{
    if (!(p >= 0) || !(p <= 1))
        return NAN;
    if (p == 0)
        return -INFINITY;
    if (p == 1)
        return INFINITY;
    if (p <= 0.5)
        return special_norm_ppf_lower(p);
    return -special_norm_ppf_lower(1.0 - p);
}

double gs_special_norm_isf(double q)
{
    return -gs_special_norm_ppf(q);
}

double gs_special_chi2_sf(double x, double df)
{
    if (!(df > 0))
        return NAN;
    if (x <= 0)
        return 1.0;
    return gs_special_gammainc_q(0.5 * df, 0.5 * x);
}

double gs_special_chi2_isf(double alpha, double df)
{
    if (!(alpha > 0) || !(alpha < 1) || !(df > 0))
        return NAN;
    double lo = 0.0, hi = df + 10.0;
    while (gs_special_chi2_sf(hi, df) > alpha)
        hi *= 2.0;
    /* The survival function is decreasing: bisect to the last representable step. */
    for (int i = 0; i < 200 && hi - lo > 4 * DBL_EPSILON * hi; i++) {
        double mid = 0.5 * (lo + hi);
        if (gs_special_chi2_sf(mid, df) > alpha)
            lo = mid;
        else
            hi = mid;
    }
    return 0.5 * (lo + hi);
}

double gs_special_ncx2_sf(double x, double df, double lambda)
{
    if (!(df > 0) || !(lambda >= 0))
        return NAN;
    if (lambda == 0)
        return gs_special_chi2_sf(x, df);
    if (x <= 0)
        return 1.0;
    double h = 0.5 * lambda;
    double j0 = floor(h);
    double sum = 0.0, weights = 0.0;
    /* Poisson(h) weights outward from the mode until they no longer matter. */
    for (double j = j0; j >= 0; j--) {
        double w = exp(-h + j * log(h) - lgamma(j + 1.0));
        sum += w * gs_special_chi2_sf(x, df + 2.0 * j);
        weights += w;
        if (w < 1e-18 * weights)
            break;
    }
    for (double j = j0 + 1;; j++) {
        double w = exp(-h + j * log(h) - lgamma(j + 1.0));
        sum += w * gs_special_chi2_sf(x, df + 2.0 * j);
        weights += w;
        if (w < 1e-18 * weights)
            break;
    }
    return sum > 1.0 ? 1.0 : sum;
}
