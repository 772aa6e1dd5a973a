/* SPDX-License-Identifier: MIT */
/* Special functions the hypothesis tests stand on: regularized incomplete beta and gamma
 * functions, the normal and chi-square distributions (central and noncentral). Implemented
 * here (only lgamma, log1p, exp, erfc come from libm) and written to keep tails accurate:
 * every "upper tail" has its own function instead of 1 - lower tail. Pure math, no I/O. */
#ifndef GS_SPECIAL_H
#define GS_SPECIAL_H

/* log B(a, b) for a, b > 0. */
double gs_special_lbeta(double a, double b);

/* Regularized incomplete beta I_x(a, b) for a, b > 0 and x in [0, 1], and its complement
 * 1 - I_x(a, b) computed without cancellation. NaN for arguments out of range. */
double gs_special_betainc(double a, double b, double x);
double gs_special_betaincc(double a, double b, double x);

/* Regularized lower and upper incomplete gamma P(a, x), Q(a, x) = 1 - P(a, x); a > 0, x >= 0. */
double gs_special_gammainc_p(double a, double x);
double gs_special_gammainc_q(double a, double x);

/* Standard normal: cdf, survival function (upper tail) and quantile (inverse cdf, p in (0, 1);
 * -inf/+inf at 0/1). */
double gs_special_norm_cdf(double x);
double gs_special_norm_sf(double x);
double gs_special_norm_ppf(double p);
/* Inverse survival function: the x with P(Z > x) = q, accurate for tiny q
 * (-gs_special_norm_ppf(q)). */
double gs_special_norm_isf(double q);

/* Chi-square with |df| degrees of freedom: survival function P(X > x) and the critical value c
 * with P(X > c) = alpha. */
double gs_special_chi2_sf(double x, double df);
double gs_special_chi2_isf(double alpha, double df);

/* Noncentral chi-square (df, noncentrality lambda >= 0): survival function P(X > x), a Poisson
 * mixture of central chi-squares summed outward from the Poisson mode. */
double gs_special_ncx2_sf(double x, double df, double lambda);

#endif
