# SPDX-License-Identifier: MIT
# Turns the HTML template into a C array (cmake -DIN=... -DOUT=... -DNAME=... -P embed.cmake),
# so the report writer needs no file at run time.
file(READ ${IN} hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
file(WRITE ${OUT} "/* Generated from ${IN} by embed.cmake: do not edit. */\n"
                  "extern const char ${NAME}[];\nconst char ${NAME}[] = {${bytes} 0x00};\n")
