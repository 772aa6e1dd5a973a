// Written by gatesim (--target nginx): the route tables of this configuration, then gatesim.js.
var GS_C = [
[1,"/gatesim.Admin",null,[],[],"@gs_a0"],
[0,"/gatesim.Echo/Echo",null,[["x-version",0,"v2"]],[],"@gs_a1"],
[0,"/gatesim.Echo/Echo",null,[],[],"@gs_a2"],
[2,"/[^/]+/Health",null,[],[],"@gs_a3"],
];
var GS_L = {
"0":[3],
"1":[1,2],
};
