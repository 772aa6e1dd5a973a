/* SPDX-License-Identifier: MIT */
/* HTTPHeaderFilter semantics on a gs_gw_headers list. */
#include "gs_gw_header_mod.h"

void gs_gw_header_mod_apply_rt(const gs_rt_header_mod *mod, gs_gw_headers *h)
{
    for (size_t i = 0; i < mod->n_remove; i++)
        gs_gw_headers_remove(h, mod->remove[i]);
    for (size_t i = 0; i < mod->n_set; i++)
        gs_gw_headers_set(h, mod->set[i].name, mod->set[i].value);
    for (size_t i = 0; i < mod->n_add; i++)
        gs_gw_headers_add(h, mod->add[i].name, mod->add[i].value);
}
