/* libedit's readline-compatible interface (Debian's libedit-dev, pkg-config libedit). */
#include <stdio.h>
#include <editline/readline.h>
