# SPDX-License-Identifier: MIT
# Scenario decoder (gatesim.dev/v1alpha1) on arbitrary YAML.
gs_add_fuzz_target(scenario fuzz_scenario.c gs_scenario gs_model gs_base)
