/*
** lk.c — trampolines, limits, allocator and macro wrappers for LuaKit.
** See lk.h for the one rule this file exists to keep.
*/
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lk.h"

static lk_Dispatcher lk_dispatch = NULL;
static lk_Releaser lk_release = NULL;

#define LK_FUNCTIONMETA "lk.function"
#define LK_OBJECTCACHE  "lk.objects"
#define LK_TRACEBACK    "lk.traceback"
#define LK_TIES         "lk.ties"


/* {======================================================
** State and allocator
** ======================================================= */

lk_Control *lk_control(lua_State *L) {
  return *(lk_Control **)lua_getextraspace(L);
}

/* Counts every byte; refuses only above the hard limit and only while
** Lua itself runs, so a Swift frame never sees an allocation error. */
static void *lk_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
  lk_Control *c = (lk_Control *)ud;
  void *p;
  if (ptr == NULL) osize = 0;  /* osize then encodes the object's type */
  if (nsize == 0) {
    free(ptr);
    c->used -= osize;
    return NULL;
  }
  if (nsize > osize && c->alloccanfail && c->hardlimit > 0 &&
      c->used - osize + nsize > c->hardlimit) {
    c->limithit = 1;
    return NULL;
  }
  p = realloc(ptr, nsize);
  if (p == NULL) return NULL;
  c->used = c->used - osize + nsize;
  if (c->used > c->peak) c->peak = c->used;
  return p;
}

static int lk_panic(lua_State *L) {
  const char *msg = lua_tostring(L, -1);
  fprintf(stderr, "vmlab: unprotected Lua error: %s\n", msg ? msg : "?");
  fflush(stderr);
  return 0;  /* Lua aborts */
}

/* Warnings as in lauxlib: off until "@on", one line per message. */
static void lk_warn(void *ud, const char *msg, int tocont) {
  static int on = 0, continuing = 0;
  (void)ud;
  if (!continuing && msg[0] == '@') {
    if (strcmp(msg, "@on") == 0) on = 1;
    else if (strcmp(msg, "@off") == 0) on = 0;
    return;
  }
  if (!on) return;
  if (!continuing) fputs("Lua warning: ", stderr);
  fputs(msg, stderr);
  continuing = tocont;
  if (!tocont) fputs("\n", stderr);
}

static void lk_hook(lua_State *L, lua_Debug *ar);

lua_State *lk_newstate(void) {
  lk_Control *c = (lk_Control *)calloc(1, sizeof(lk_Control));
  lua_State *L;
  if (c == NULL) return NULL;
  L = lua_newstate(lk_alloc, c);
  if (L == NULL) {
    free(c);
    return NULL;
  }
  *(lk_Control **)lua_getextraspace(L) = c;
  lua_atpanic(L, lk_panic);
  lua_setwarnf(L, lk_warn, NULL);
  /* always armed: interrupts and limits work in every coroutine too */
  lua_sethook(L, lk_hook, LUA_MASKCOUNT, LK_HOOK_STEP);
  return L;
}

void lk_close(lua_State *L) {
  lk_Control *c = lk_control(L);
  lua_close(L);  /* finalizers run here and may release Swift objects */
  free(c);
}

void lk_sethost(lua_State *L, void *host) { lk_control(L)->host = host; }
void *lk_host(lua_State *L) { return lk_control(L)->host; }

/* }====================================================== */


/* {======================================================
** Limits
** ======================================================= */

double lk_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int lk_stopreason(lua_State *L) {
  lk_Control *c = lk_control(L);
  if (c->stopping) return c->stopping;
  if (c->interrupted) return 1;
  if (c->maxinstructions > 0 && c->instructions > c->maxinstructions) return 2;
  if (c->limit > 0 && c->used > c->limit) return 3;
  if (c->deadline > 0 && lk_now() > c->deadline) return 4;
  return 0;
}

/* Raise the stop 'why' with the position of the running Lua code (level 0
** inside a hook is the function being executed). */
static int lk_raisestop(lua_State *L, int why) {
  lk_Control *c = lk_control(L);
  luaL_where(L, 0);
  switch (why) {
    case 1: lua_pushliteral(L, "interrupted!"); break;
    case 2: lua_pushfstring(L, "instruction limit exceeded (%I instructions)",
                            (lua_Integer)c->maxinstructions); break;
    case 3: lua_pushfstring(L, "memory limit exceeded (%I KiB in use, limit %I KiB)",
                            (lua_Integer)(c->used / 1024), (lua_Integer)(c->limit / 1024)); break;
    default: lua_pushfstring(L, "time limit exceeded (%f s)", (lua_Number)c->timeout); break;
  }
  lua_concat(L, 2);
  return lua_error(L);
}

/* Every LK_HOOK_STEP instructions: stop the chunk if a limit is passed.
** Once stopping, the hook runs at every instruction and raises again, so
** a script cannot swallow the stop with pcall: the error reaches the host. */
static void lk_hook(lua_State *L, lua_Debug *ar) {
  lk_Control *c = lk_control(L);
  int why = c->stopping;
  (void)ar;
  if (!why) {
    c->instructions += LK_HOOK_STEP;
    why = lk_stopreason(L);
    if (why == 3) {
      lua_gc(L, LUA_GCCOLLECT);  /* garbage does not count against a script */
      if (c->used <= c->limit) why = 0;
    }
    if (!why) return;
    c->interrupted = 0;
    c->stopping = why;
    lua_sethook(L, lk_hook, LUA_MASKCOUNT, 1);
  }
  lk_raisestop(L, why);
}

void lk_armlimits(lua_State *L) {
  lk_Control *c = lk_control(L);
  c->instructions = 0;
  c->limithit = 0;
  c->stopping = 0;
  c->interrupted = 0;
  c->deadline = c->timeout > 0 ? lk_now() + c->timeout : 0;
  /* A count hook makes the VM call into the debug interface at every instruction: set it
  ** only for a limit that needs counting. An interrupt sets it when it comes (as lua.c's
  ** signal handler does), and the next instruction stops. */
  if (c->maxinstructions > 0 || c->limit > 0 || c->deadline > 0)
    lua_sethook(L, lk_hook, LUA_MASKCOUNT, LK_HOOK_STEP);
  else
    lua_sethook(L, NULL, 0, 0);
}

void lk_interrupt(lua_State *L) {
  lk_control(L)->interrupted = 1;
  lua_sethook(L, lk_hook, LUA_MASKCOUNT, 1);
}

/* }====================================================== */


/* {======================================================
** Functions: a Swift target behind a C closure
** ======================================================= */

/* __gc of a slot userdata: hand the Swift reference back, once. */
static int lk_gcslot(lua_State *L) {
  void **slot = (void **)lua_touserdata(L, 1);
  if (slot != NULL && *slot != NULL) {
    void *target = *slot;
    *slot = NULL;
    lk_release(target);
  }
  return 0;
}

/* Raise what the Swift side left on the stack; its frame is gone now. */
static int lk_raise(lua_State *L, int status) {
  if (status == LK_ARGERROR) {
    int arg = (int)lua_tointeger(L, -1);
    lua_pop(L, 1);
    return luaL_argerror(L, arg, lua_tostring(L, -1));
  }
  if (status == LK_ERROR && lua_type(L, -1) == LUA_TSTRING) {
    luaL_where(L, 1);
    lua_insert(L, -2);
    lua_concat(L, 2);
  }
  return lua_error(L);
}

static int lk_trampoline(lua_State *L) {
  void **slot = (void **)lua_touserdata(L, lua_upvalueindex(1));
  lk_Control *c = lk_control(L);
  int canfail = c->alloccanfail;
  int n;
  c->alloccanfail = 0;
  n = lk_dispatch(L, *slot);
  c->alloccanfail = canfail;
  return n >= 0 ? n : lk_raise(L, n);
}

void lk_setdispatcher(lk_Dispatcher d) { lk_dispatch = d; }
void lk_setreleaser(lk_Releaser r) { lk_release = r; }

/* Push a userdata holding retained Swift reference `target`, released by its __gc. */
static void lk_pushslot(lua_State *L, void *target) {
  void **slot = (void **)lua_newuserdatauv(L, sizeof(void *), 0);
  *slot = target;
  if (luaL_newmetatable(L, LK_FUNCTIONMETA)) {
    lua_pushcfunction(L, lk_gcslot);
    lua_setfield(L, -2, "__gc");
  }
  lua_setmetatable(L, -2);
}

void lk_pushfunction(lua_State *L, void *target) {
  lk_pushslot(L, target);
  lua_pushcclosure(L, lk_trampoline, 1);
}

/* What a byte-bit function works on (its first upvalue: one read per call). */
typedef struct lk_ByteBit {
  unsigned char *bytes;
  lua_Integer count;
  unsigned char mask;
  unsigned char want;
  int clear;
} lk_ByteBit;

/* f(self, i): whether the bits `mask` of bytes[i] equal `want`; with `clear`, also clears
** `mask` (test and clear, as a kernel scans accessed bits). Upvalues: 1 the lk_ByteBit, 2 what
** the bytes are (for errors), 3 the slot keeping their owner alive. */
static int lk_bytebit(lua_State *L) {
  const lk_ByteBit *b = (const lk_ByteBit *)lua_touserdata(L, lua_upvalueindex(1));
  lua_Integer i = luaL_checkinteger(L, 2);
  if (i < 0 || i >= b->count) {
    const char *what = lua_tostring(L, lua_upvalueindex(2));
    return luaL_argerror(L, 2, lua_pushfstring(L, "%s: slot %I does not exist (slots 0\xE2\x80\xA6%I)",
                                               what, i, b->count - 1));
  }
  lua_pushboolean(L, (b->bytes[i] & b->mask) == b->want);
  if (b->clear) b->bytes[i] &= (unsigned char)~b->mask;
  return 1;
}

/* Push f(self, i) over `count` bytes that tests (with `clear`: tests and clears) bits `mask`
** of one of them against `want` in C, never entering Swift: what a Lua replacement policy calls
** several times per eviction. `owner`, a retained Swift reference, keeps the bytes alive. */
void lk_pushbytebit(lua_State *L, unsigned char *bytes, lua_Integer count, int mask, int want, int clear,
                    const char *what, void *owner) {
  lk_ByteBit *b = (lk_ByteBit *)lua_newuserdatauv(L, sizeof(lk_ByteBit), 0);
  b->bytes = bytes;
  b->count = count;
  b->mask = (unsigned char)mask;
  b->want = (unsigned char)want;
  b->clear = clear;
  lua_pushstring(L, what);
  lk_pushslot(L, owner);
  lua_pushcclosure(L, lk_bytebit, 3);
}

/* __index(t, k) of a table with one counter field read in place: k equal to
** upvalue 2 gives the 64-bit counter at upvalue 1, anything else nil. Upvalue 3
** is the slot keeping the counter's owner alive. */
static int lk_counterindex(lua_State *L) {
  if (lua_rawequal(L, 2, lua_upvalueindex(2)))
    lua_pushinteger(L, (lua_Integer)*(const unsigned long long *)lua_touserdata(L, lua_upvalueindex(1)));
  else
    lua_pushnil(L);
  return 1;
}

/* Give the table at idx a field `name` that reads *counter whenever it is read
** (a metatable __index), instead of a value set before every call that may read
** it. `owner`, a retained Swift reference, keeps the counter alive. */
void lk_setcounterfield(lua_State *L, int idx, const char *name, const unsigned long long *counter,
                        void *owner) {
  idx = lua_absindex(L, idx);
  lua_createtable(L, 0, 1);
  lua_pushlightuserdata(L, (void *)counter);
  lua_pushstring(L, name);
  lk_pushslot(L, owner);
  lua_pushcclosure(L, lk_counterindex, 3);
  lua_setfield(L, -2, "__index");
  lua_setmetatable(L, idx);
}

/* }====================================================== */


/* {======================================================
** Objects: userdata holding one retained Swift reference
** ======================================================= */

/* Push registry[name], a table with weak keys or values ('mode' "k" or "v"),
** made on first use. */
static void lk_pushweak(lua_State *L, const char *name, const char *mode) {
  if (lua_getfield(L, LUA_REGISTRYINDEX, name) != LUA_TTABLE) {
    lua_pop(L, 1);
    lua_newtable(L);
    lua_newtable(L);
    lua_pushstring(L, mode);
    lua_setfield(L, -2, "__mode");
    lua_setmetatable(L, -2);
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, name);
  }
}

static void lk_pushcache(lua_State *L) { lk_pushweak(L, LK_OBJECTCACHE, "v"); }

/* Push the userdata already standing for 'object', if any: one object,
** one userdata, so == and table keys behave. Returns 1 if pushed. */
int lk_pushcached(lua_State *L, void *object) {
  lk_pushcache(L);
  lua_pushlightuserdata(L, object);
  if (lua_rawget(L, -2) == LUA_TUSERDATA) {
    lua_remove(L, -2);
    return 1;
  }
  lua_pop(L, 2);
  return 0;
}

void *lk_newobject(lua_State *L, void *object, const char *tname) {
  void **slot = (void **)lua_newuserdatauv(L, sizeof(void *), 0);
  *slot = object;
  luaL_setmetatable(L, tname);
  lk_pushcache(L);
  lua_pushlightuserdata(L, object);
  lua_pushvalue(L, -3);
  lua_rawset(L, -3);
  lua_pop(L, 1);
  return slot;
}

void *lk_toobject(lua_State *L, int idx, const char *tname, int *isclosed) {
  void **slot = (void **)luaL_testudata(L, idx, tname);
  if (slot == NULL) {
    *isclosed = 0;
    return NULL;
  }
  *isclosed = (*slot == NULL);
  return *slot;
}

/* Release the object now; later uses see a closed object. */
int lk_closeobject(lua_State *L, int idx) {
  void **slot = (void **)lua_touserdata(L, idx);
  void *target;
  if (slot == NULL || *slot == NULL) return 0;
  target = *slot;
  lk_pushcache(L);
  lua_pushlightuserdata(L, target);
  lua_pushnil(L);
  lua_rawset(L, -3);
  lua_pop(L, 1);
  *slot = NULL;
  lk_release(target);
  return 1;
}

static int lk_objecteq(lua_State *L) {
  void **a = (void **)lua_touserdata(L, 1);
  void **b = (void **)lua_touserdata(L, 2);
  int same = lua_getmetatable(L, 1) && lua_getmetatable(L, 2) && lua_rawequal(L, -1, -2);
  lua_pushboolean(L, same && a != NULL && b != NULL && *a != NULL && *a == *b);
  return 1;
}

/* __index: methods by a plain rawget, then properties through getters. */
static int lk_objectindex(lua_State *L) {
  lua_pushvalue(L, 2);
  if (lua_rawget(L, lua_upvalueindex(1)) != LUA_TNIL) return 1;
  lua_pushvalue(L, 2);
  if (lua_rawget(L, lua_upvalueindex(2)) == LUA_TFUNCTION) {
    lua_pushvalue(L, 1);
    lua_call(L, 1, 1);
    return 1;
  }
  lua_pushnil(L);
  return 1;
}

static int lk_objectnewindex(lua_State *L) {
  const char *tname;
  lua_pushvalue(L, 2);
  if (lua_rawget(L, lua_upvalueindex(1)) == LUA_TFUNCTION) {
    lua_pushvalue(L, 1);
    lua_pushvalue(L, 3);
    lua_call(L, 2, 0);
    return 0;
  }
  tname = luaL_getmetafield(L, 1, "__name") == LUA_TSTRING ? lua_tostring(L, -1) : "object";
  lua_pushvalue(L, 2);
  if (lua_rawget(L, lua_upvalueindex(2)) != LUA_TNIL)
    return luaL_error(L, "field '%s' of %s is read-only", luaL_tolstring(L, 2, NULL), tname);
  return luaL_error(L, "%s has no field '%s' to set", tname, luaL_tolstring(L, 2, NULL));
}

/* Create the metatable 'tname' with __gc, __eq, __index, __newindex and the
** tables __methods, __getters, __setters (filled by Swift). Leaves the
** metatable on the stack; returns 0 if it already existed. */
int lk_newclass(lua_State *L, const char *tname, int hasproperties) {
  if (!luaL_newmetatable(L, tname)) return 0;
  lua_pushcfunction(L, lk_gcslot);
  lua_setfield(L, -2, "__gc");
  lua_pushcfunction(L, lk_objecteq);
  lua_setfield(L, -2, "__eq");
  lua_newtable(L);
  lua_pushvalue(L, -1);
  lua_setfield(L, -3, "__methods");   /* mt methods */
  lua_newtable(L);
  lua_pushvalue(L, -1);
  lua_setfield(L, -4, "__getters");   /* mt methods getters */
  lua_newtable(L);
  lua_pushvalue(L, -1);
  lua_setfield(L, -5, "__setters");   /* mt methods getters setters */
  lua_pushvalue(L, -1);
  lua_pushvalue(L, -3);
  lua_pushcclosure(L, lk_objectnewindex, 2);
  lua_setfield(L, -5, "__newindex");
  lua_pop(L, 1);                      /* mt methods getters */
  if (hasproperties) {
    lua_pushcclosure(L, lk_objectindex, 2);
    lua_setfield(L, -2, "__index");
  } else {
    lua_pop(L, 1);
    lua_setfield(L, -2, "__index");   /* a plain table: fastest */
  }
  return 1;
}

/* }====================================================== */


/* {======================================================
** Protected calls from Swift
** ======================================================= */

/* Keep the error object; leave its traceback in the registry. */
static int lk_msghandler(lua_State *L) {
  luaL_traceback(L, L, NULL, 1);
  lua_setfield(L, LUA_REGISTRYINDEX, LK_TRACEBACK);
  lua_settop(L, 1);
  return 1;
}

static int lk_protected(lua_State *L, int nargs, int nresults, int withtraceback) {
  lk_Control *c = lk_control(L);
  int canfail = c->alloccanfail;
  int base = lua_gettop(L) - nargs;
  int status;
  if (withtraceback) {
    /* No clearing of the last traceback here: the caller that meets a failure
    ** (LuaState.check) takes it and clears it, so none is ever left over. */
    lua_pushcfunction(L, lk_msghandler);
    lua_insert(L, base);
  }
  c->alloccanfail = 1;
  status = lua_pcall(L, nargs, nresults, withtraceback ? base : 0);
  c->alloccanfail = canfail;
  if (withtraceback) lua_remove(L, base);
  return status;
}

int lk_pcalltraceback(lua_State *L, int nargs, int nresults) {
  return lk_protected(L, nargs, nresults, 1);
}

int lk_pcall(lua_State *L, int nargs, int nresults) {
  return lk_protected(L, nargs, nresults, 0);
}

static int lk_tostringraw(lua_State *L) {
  luaL_tolstring(L, 1, NULL);
  return 1;
}

/* tostring(value at idx), metamethods included, without raising. */
int lk_ptostring(lua_State *L, int idx) {
  idx = lua_absindex(L, idx);
  lua_pushcfunction(L, lk_tostringraw);
  lua_pushvalue(L, idx);
  return lk_pcall(L, 1, 1);
}

static int lk_gettableraw(lua_State *L) {
  lua_gettable(L, 1);
  return 1;
}

/* t[k] with metamethods, t at idx and k on top; pushes the value. */
int lk_pgettable(lua_State *L, int idx) {
  idx = lua_absindex(L, idx);
  lua_pushcfunction(L, lk_gettableraw);
  lua_pushvalue(L, idx);
  lua_rotate(L, -3, -1);  /* f t k */
  return lk_pcall(L, 2, 1);
}

static int lk_tieraw(lua_State *L) {
  lk_pushweak(L, LK_TIES, "k");
  lua_pushvalue(L, 1);
  if (lua_rawget(L, -2) != LUA_TTABLE) {  /* ties[owner] = {} */
    lua_pop(L, 1);
    lua_newtable(L);
    lua_pushvalue(L, 1);
    lua_pushvalue(L, -2);
    lua_rawset(L, -4);
  }
  lua_pushvalue(L, 3);
  lua_rawseti(L, -2, lua_tointeger(L, 2));
  return 0;
}

/* Keeps the value at 'vidx' alive as long as the value at 'oidx' is, in
** slot 'slot' of the owner (replacing what was tied there; nil unties).
** The ties table has weak keys (an ephemeron), so a tie never keeps its
** owner alive. Never raises: returns the pcall status, message on top
** when not LUA_OK. */
int lk_tie(lua_State *L, int oidx, lua_Integer slot, int vidx) {
  oidx = lua_absindex(L, oidx);
  vidx = lua_absindex(L, vidx);
  lua_pushcfunction(L, lk_tieraw);
  lua_pushvalue(L, oidx);
  lua_pushinteger(L, slot);
  lua_pushvalue(L, vidx);
  return lk_pcall(L, 3, 0);
}

int lk_loadbuffer(lua_State *L, const char *buf, size_t len, const char *name, const char *mode) {
  return luaL_loadbufferx(L, buf, len, name, mode);
}

int lk_loadfile(lua_State *L, const char *path, const char *mode) {
  return luaL_loadfilex(L, path, mode);
}

/* }====================================================== */


/* {======================================================
** Interrupts (Ctrl-C): set a flag the hook reads; signal-safe
** ======================================================= */

static lua_State *lk_interruptible = NULL;

static void lk_onsigint(int sig) {
  signal(sig, SIG_DFL);  /* a second Ctrl-C ends the process, as in lua.c */
  if (lk_interruptible != NULL) lk_interrupt(lk_interruptible);
}

void lk_catchinterrupts(lua_State *L) {
  sigset_t interrupt;
  lk_interruptible = L;
  signal(SIGINT, lk_onsigint);
  sigemptyset(&interrupt);
  sigaddset(&interrupt, SIGINT);
  sigprocmask(SIG_UNBLOCK, &interrupt, NULL);  /* a parent may have blocked it */
}

void lk_releaseinterrupts(void) {
  signal(SIGINT, SIG_DFL);
  lk_interruptible = NULL;
}

/* At a prompt Ctrl-C cancels the line, not the program: the handler only
** notes it, and without SA_RESTART the blocking read returns EINTR so the
** line editor gives up its line. */
static volatile sig_atomic_t lk_promptinterrupt = 0;

static void lk_onpromptsigint(int sig) {
  (void)sig;
  lk_promptinterrupt = 1;
}

void lk_catchpromptinterrupts(void) {
  struct sigaction action;
  sigset_t interrupt;
  action.sa_handler = lk_onpromptsigint;
  action.sa_flags = 0;
  sigemptyset(&action.sa_mask);
  lk_promptinterrupt = 0;
  sigaction(SIGINT, &action, NULL);
  sigemptyset(&interrupt);
  sigaddset(&interrupt, SIGINT);
  sigprocmask(SIG_UNBLOCK, &interrupt, NULL);
}

/* 1 if Ctrl-C was pressed at the prompt since the last call */
int lk_takepromptinterrupt(void) {
  int was = lk_promptinterrupt;
  lk_promptinterrupt = 0;
  return was;
}

/* }====================================================== */


/* {======================================================
** Macro wrappers
** ======================================================= */

int lk_registryindex(void) { return LUA_REGISTRYINDEX; }
int lk_upvalueindex(int i) { return lua_upvalueindex(i); }
void lk_pop(lua_State *L, int n) { lua_pop(L, n); }
void lk_newtable(lua_State *L) { lua_newtable(L); }
const char *lk_tostring(lua_State *L, int idx, size_t *len) { return lua_tolstring(L, idx, len); }
int lk_isinteger(lua_State *L, int idx) { return lua_isinteger(L, idx); }
lua_Integer lk_tointeger(lua_State *L, int idx, int *isnum) { return lua_tointegerx(L, idx, isnum); }
lua_Number lk_tonumber(lua_State *L, int idx, int *isnum) { return lua_tonumberx(L, idx, isnum); }
void lk_insert(lua_State *L, int idx) { lua_insert(L, idx); }
void lk_remove(lua_State *L, int idx) { lua_remove(L, idx); }
void lk_replace(lua_State *L, int idx) { lua_replace(L, idx); }
void lk_pushglobaltable(lua_State *L) { lua_pushglobaltable(L); }
int lk_getmetatablenamed(lua_State *L, const char *tname) { return luaL_getmetatable(L, tname); }
void lk_openlibs(lua_State *L) { luaL_openlibs(L); }

/* }====================================================== */

void lk_collectgarbage(lua_State *L) { lua_gc(L, LUA_GCCOLLECT); }
int lk_gckilobytes(lua_State *L) { return lua_gc(L, LUA_GCCOUNT); }
