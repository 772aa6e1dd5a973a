/* SPDX-License-Identifier: MIT */
/* The registry of target kinds: one row per kind, the first is the default. A kind is defined
 * in its own file, gs_target_<name>.c, as `const gs_target_kind gs_target_kind_<name>`; adding
 * one is that file plus a row here (docs/architecture.md). Included only by gs_target.c, which
 * defines GS_TARGET_KIND to declare the kinds and then to list them. */
GS_TARGET_KIND(builtin)
GS_TARGET_KIND(exec)
GS_TARGET_KIND(nginx)
GS_TARGET_KIND(ingress_nginx)
