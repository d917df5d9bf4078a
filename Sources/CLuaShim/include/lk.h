/*
** lk.h — the only C of vmlab: the narrow waist between Swift and Lua 5.4.
**
** Rule (DESIGN.md §3): a longjmp must never cross a Swift frame. Swift code
** exposed to Lua therefore never raises; it returns a status and the C
** trampoline here raises *after* the Swift frame has returned. Limits
** (instructions, memory, time, interrupt) are enforced by a C hook inside
** the Lua VM, and the allocator never fails while Swift code is running.
*/
#ifndef LK_H
#define LK_H

#include <stddef.h>
#include <signal.h>
#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>

/* Statuses a Swift function returns instead of raising (>= 0: results). */
#define LK_ERROR     (-1)  /* message on top: raise it with "chunk:line:" */
#define LK_ARGERROR  (-2)  /* message, then arg index on top: luaL_argerror */
#define LK_RAISE     (-3)  /* error object on top: raise it unchanged */

/* Instructions between two runs of the limit hook. */
#define LK_HOOK_STEP 1000

/* Per-state control block: limits and the host's back pointer. */
typedef struct lk_Control {
  size_t used;                 /* bytes Lua holds now */
  size_t peak;                 /* most bytes held at once */
  size_t limit;                /* soft memory limit (0: none), checked by the hook */
  size_t hardlimit;            /* allocations fail above this while Lua runs */
  int alloccanfail;            /* 0 while Swift runs: allocation never fails */
  int limithit;                /* an allocation was refused for the limit */
  long long instructions;      /* executed, in steps of LK_HOOK_STEP */
  long long maxinstructions;   /* 0: none */
  double deadline;             /* monotonic seconds; 0: none */
  double timeout;              /* the budget the deadline came from, for messages */
  volatile sig_atomic_t interrupted;
  int stopping;                /* the limit being enforced (lk_stopreason codes) */
  void *host;                  /* the Swift LuaState, unretained */
} lk_Control;

typedef int (*lk_Dispatcher)(lua_State *L, void *target);
typedef void (*lk_Releaser)(void *target);

/* state */
lua_State *lk_newstate(void);
void lk_close(lua_State *L);
lk_Control *lk_control(lua_State *L);
void lk_sethost(lua_State *L, void *host);
void *lk_host(lua_State *L);

/* the Swift side, installed once */
void lk_setdispatcher(lk_Dispatcher d);
void lk_setreleaser(lk_Releaser r);

/* functions and objects */
void lk_pushfunction(lua_State *L, void *target);
void lk_pushbytebit(lua_State *L, unsigned char *bytes, lua_Integer count, int mask, int want, int clear,
                    const char *what, void *owner);
void lk_setcounterfield(lua_State *L, int idx, const char *name, const unsigned long long *counter,
                        void *owner);
int lk_pushcached(lua_State *L, void *object);
void *lk_newobject(lua_State *L, void *object, const char *tname);
void *lk_toobject(lua_State *L, int idx, const char *tname, int *isclosed);
int lk_closeobject(lua_State *L, int idx);
int lk_newclass(lua_State *L, const char *tname, int hasproperties);
int lk_tie(lua_State *L, int oidx, lua_Integer slot, int vidx);

/* limits */
double lk_now(void);
void lk_armlimits(lua_State *L);
void lk_interrupt(lua_State *L);
int lk_stopreason(lua_State *L);  /* 0 none, 1 interrupt, 2 instructions, 3 memory, 4 time */
void lk_catchinterrupts(lua_State *L);
void lk_releaseinterrupts(void);
void lk_catchpromptinterrupts(void);
int lk_takepromptinterrupt(void);

/* protected calls from Swift */
int lk_pcalltraceback(lua_State *L, int nargs, int nresults);
int lk_pcall(lua_State *L, int nargs, int nresults);
int lk_ptostring(lua_State *L, int idx);
int lk_pgettable(lua_State *L, int idx);
int lk_loadbuffer(lua_State *L, const char *buf, size_t len, const char *name, const char *mode);
int lk_loadfile(lua_State *L, const char *path, const char *mode);

/* macro wrappers (Swift cannot call C macros) */
int lk_registryindex(void);
int lk_upvalueindex(int i);
void lk_pop(lua_State *L, int n);
void lk_newtable(lua_State *L);
const char *lk_tostring(lua_State *L, int idx, size_t *len);
int lk_isinteger(lua_State *L, int idx);
lua_Integer lk_tointeger(lua_State *L, int idx, int *isnum);
lua_Number lk_tonumber(lua_State *L, int idx, int *isnum);
void lk_insert(lua_State *L, int idx);
void lk_remove(lua_State *L, int idx);
void lk_replace(lua_State *L, int idx);
void lk_pushglobaltable(lua_State *L);
int lk_getmetatablenamed(lua_State *L, const char *tname);
void lk_openlibs(lua_State *L);
void lk_collectgarbage(lua_State *L);
int lk_gckilobytes(lua_State *L);

#endif
