// Written by gatesim (--target nginx): the route tables of this configuration, then gatesim.js.
var GS_C = [
[2,"/item/[0-9]+",null,[],[],"@gs_a0"],
[1,"/shop","POST",[],[],"@gs_a1"],
[1,"/shop",null,[["x-canary",0,"yes"]],[],"@gs_a2"],
[1,"/shop",null,[],[["canary",0,"1"]],"@gs_a3"],
[1,"/shop",null,[],[],"@gs_a4"],
[1,"",null,[["x-env",1,"prod|stage"]],[],"@gs_a5"],
];
var GS_L = {
"0":[0,5],
"1":[0,1,2,3,4],
"2":[0,1,2,3,4],
};
