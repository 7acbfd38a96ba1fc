/*
 * keepalived-ts native sockets: the few system calls Node.js does not expose (raw IP,
 * AF_PACKET and netlink sockets; setsockopt; recvmsg with ancillary data; readiness from
 * libuv's poll). Deliberately thin: every address, option value and control message is
 * built and parsed in TypeScript; this file only moves bytes and errno values.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <linux/if_packet.h>
#include <linux/version.h>
#include <linux/netlink.h>
#include <net/if.h>
#include <signal.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>
#include <node_api.h>
#include <uv.h>

#include "tcp_probe.h"
#include "advert_keeper.h"
#include "netns.h"
#include "napi_args.h"

#define CHECK(call)                                                            \
  do {                                                                         \
    if ((call) != napi_ok) {                                                   \
      napi_throw_error(env, NULL, "N-API call failed: " #call);                \
      return NULL;                                                             \
    }                                                                          \
  } while (0)

static napi_value throw_errno(napi_env env, const char *what, int err) {
  char message[256];
  snprintf(message, sizeof message, "%s: %s", what, strerror(err));
  napi_value msg, error, code, errnum;
  // libuv's table rather than glibc's strerrorname_np (glibc 2.32+ only): the addon then runs on
  // any glibc Node.js runs on; an errno libuv does not know is EUNKNOWN
  char name_buf[64];
  uv_err_name_r(-err, name_buf, sizeof name_buf);
  const char *name = strncmp(name_buf, "Unknown", 7) == 0 ? NULL : name_buf;
  napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &msg);
  napi_create_error(env, NULL, msg, &error);
  napi_create_string_utf8(env, name ? name : "EUNKNOWN", NAPI_AUTO_LENGTH, &code);
  napi_create_int32(env, err, &errnum);
  napi_set_named_property(env, error, "code", code);
  napi_set_named_property(env, error, "errno", errnum);
  napi_throw(env, error);
  return NULL;
}

static int arg_int(napi_env env, napi_value v, int32_t *out) {
  return napi_get_value_int32(env, v, out) == napi_ok;
}

/* A Buffer/Uint8Array argument; null or undefined give len 0 and data NULL. */
int addon_arg_bytes(napi_env env, napi_value v, void **data, size_t *len) {
  napi_valuetype t;
  *data = NULL;
  *len = 0;
  if (napi_typeof(env, v, &t) != napi_ok) return 0;
  if (t == napi_null || t == napi_undefined) return 1;
  bool is_typed;
  napi_is_typedarray(env, v, &is_typed);
  if (!is_typed) return 0;
  napi_typedarray_type type;
  napi_value ab;
  size_t offset;
  if (napi_get_typedarray_info(env, v, &type, len, data, &ab, &offset) != napi_ok) return 0;
  return type == napi_uint8_array;
}

napi_value addon_get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < want) {
    napi_throw_type_error(env, NULL, "missing arguments");
    return NULL;
  }
  return argv[0];
}

/* socket(domain, type, protocol) -> fd, non-blocking and close-on-exec. */
static napi_value js_socket(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int32_t domain, type, protocol;
  if (!addon_get_args(env, info, 3, argv)) return NULL;
  if (!arg_int(env, argv[0], &domain) || !arg_int(env, argv[1], &type) || !arg_int(env, argv[2], &protocol)) {
    napi_throw_type_error(env, NULL, "socket(domain, type, protocol) takes integers");
    return NULL;
  }
  int fd = socket(domain, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
  if (fd < 0) return throw_errno(env, "socket", errno);
  napi_value result;
  CHECK(napi_create_int32(env, fd, &result));
  return result;
}

/* setsockopt(fd, level, name, bytes) */
static napi_value js_setsockopt(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  int32_t fd, level, name;
  void *data;
  size_t len;
  if (!addon_get_args(env, info, 4, argv)) return NULL;
  if (!arg_int(env, argv[0], &fd) || !arg_int(env, argv[1], &level) || !arg_int(env, argv[2], &name) ||
      !addon_arg_bytes(env, argv[3], &data, &len)) {
    napi_throw_type_error(env, NULL, "setsockopt(fd, level, name, Uint8Array)");
    return NULL;
  }
  if (setsockopt(fd, level, name, data, (socklen_t)len) < 0) return throw_errno(env, "setsockopt", errno);
  return NULL;
}

/* bind(fd, sockaddr bytes) */
static napi_value js_bind(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t fd;
  void *addr;
  size_t len;
  if (!addon_get_args(env, info, 2, argv)) return NULL;
  if (!arg_int(env, argv[0], &fd) || !addon_arg_bytes(env, argv[1], &addr, &len) || addr == NULL) {
    napi_throw_type_error(env, NULL, "bind(fd, Uint8Array)");
    return NULL;
  }
  if (bind(fd, (struct sockaddr *)addr, (socklen_t)len) < 0) return throw_errno(env, "bind", errno);
  return NULL;
}

/* sendto(fd, data, sockaddr bytes | null, flags) -> bytes sent, or -1 when the socket would block. */
static napi_value js_sendto(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  int32_t fd, flags;
  void *data, *addr;
  size_t len, addrlen;
  if (!addon_get_args(env, info, 4, argv)) return NULL;
  if (!arg_int(env, argv[0], &fd) || !addon_arg_bytes(env, argv[1], &data, &len) || !addon_arg_bytes(env, argv[2], &addr, &addrlen) ||
      !arg_int(env, argv[3], &flags)) {
    napi_throw_type_error(env, NULL, "sendto(fd, Uint8Array, Uint8Array | null, flags)");
    return NULL;
  }
  ssize_t n;
  do n = sendto(fd, data, len, flags, (struct sockaddr *)addr, (socklen_t)addrlen);
  while (n < 0 && errno == EINTR);
  if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) return throw_errno(env, "sendto", errno);
  napi_value result;
  CHECK(napi_create_int64(env, n, &result));
  return result;
}

/*
 * recvmsg(fd, maxData, maxControl) -> null when nothing is waiting, else
 * { data, name, control, flags } (copies sized to what arrived).
 */
static napi_value js_recvmsg(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int32_t fd, max_data, max_control;
  if (!addon_get_args(env, info, 3, argv)) return NULL;
  if (!arg_int(env, argv[0], &fd) || !arg_int(env, argv[1], &max_data) || !arg_int(env, argv[2], &max_control) || max_data < 0 ||
      max_control < 0) {
    napi_throw_type_error(env, NULL, "recvmsg(fd, maxData, maxControl)");
    return NULL;
  }
  char *data = malloc((size_t)max_data + 1);
  char *control = malloc((size_t)max_control + 1);
  struct sockaddr_storage name;
  if (!data || !control) {
    free(data);
    free(control);
    return throw_errno(env, "recvmsg", ENOMEM);
  }
  struct iovec iov = {.iov_base = data, .iov_len = (size_t)max_data};
  struct msghdr msg = {.msg_name = &name, .msg_namelen = sizeof name, .msg_iov = &iov, .msg_iovlen = 1,
                       .msg_control = max_control ? control : NULL, .msg_controllen = (size_t)max_control};
  ssize_t n;
  do n = recvmsg(fd, &msg, 0);
  while (n < 0 && errno == EINTR);
  if (n < 0) {
    int err = errno;
    free(data);
    free(control);
    if (err == EAGAIN || err == EWOULDBLOCK) {
      napi_value nul;
      napi_get_null(env, &nul);
      return nul;
    }
    return throw_errno(env, "recvmsg", err);
  }
  napi_value result, bdata, bname, bcontrol, bflags;
  size_t got = (size_t)n < (size_t)max_data ? (size_t)n : (size_t)max_data;
  napi_status s1 = napi_create_buffer_copy(env, got, data, NULL, &bdata);
  napi_status s2 = napi_create_buffer_copy(env, msg.msg_namelen, &name, NULL, &bname);
  napi_status s3 = napi_create_buffer_copy(env, msg.msg_controllen, control, NULL, &bcontrol);
  free(data);
  free(control);
  if (s1 != napi_ok || s2 != napi_ok || s3 != napi_ok) {
    napi_throw_error(env, NULL, "recvmsg: cannot allocate buffers");
    return NULL;
  }
  CHECK(napi_create_int32(env, msg.msg_flags, &bflags));
  CHECK(napi_create_object(env, &result));
  napi_set_named_property(env, result, "data", bdata);
  napi_set_named_property(env, result, "name", bname);
  napi_set_named_property(env, result, "control", bcontrol);
  napi_set_named_property(env, result, "flags", bflags);
  return result;
}

/* Readiness watch: one per fd, calling back with no arguments whenever the fd is readable. */
typedef struct watch {
  uv_poll_t poll;
  napi_env env;
  napi_ref callback;
  napi_async_context context;
  int fd;
  struct watch *next;
} watch_t;

static watch_t *watches = NULL;

static void on_readable(uv_poll_t *handle, int status, int events) {
  watch_t *w = handle->data;
  (void)events;
  napi_handle_scope scope;
  if (napi_open_handle_scope(w->env, &scope) != napi_ok) return;
  napi_value fn, recv, result;
  if (napi_get_reference_value(w->env, w->callback, &fn) == napi_ok && fn != NULL) {
    napi_get_global(w->env, &recv);
    if (napi_make_callback(w->env, w->context, recv, fn, 0, NULL, &result) == napi_pending_exception) {
      napi_value error;
      napi_get_and_clear_last_exception(w->env, &error);
      napi_fatal_exception(w->env, error);
    }
  }
  napi_close_handle_scope(w->env, scope);
  /* libuv stops a poll handle that saw POLLERR (a netlink socket's ENOBUFS, for one): the
   * callback has read the error by now, so watch on unless the socket was unwatched meanwhile */
  if (status < 0 && !uv_is_closing((uv_handle_t *)handle)) uv_poll_start(handle, UV_READABLE, on_readable);
}

static void on_closed(uv_handle_t *handle) {
  free(handle->data);
}

static watch_t *detach_watch(int fd) {
  for (watch_t **p = &watches; *p; p = &(*p)->next) {
    if ((*p)->fd == fd) {
      watch_t *w = *p;
      *p = w->next;
      return w;
    }
  }
  return NULL;
}

static void release_watch(napi_env env, watch_t *w) {
  uv_poll_stop(&w->poll);
  napi_delete_reference(env, w->callback);
  napi_async_destroy(env, w->context);
  uv_close((uv_handle_t *)&w->poll, on_closed);
}

/* watch(fd, callback): callback() runs on the event loop whenever fd is readable. */
static napi_value js_watch(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t fd;
  if (!addon_get_args(env, info, 2, argv)) return NULL;
  napi_valuetype t;
  if (!arg_int(env, argv[0], &fd) || napi_typeof(env, argv[1], &t) != napi_ok || t != napi_function) {
    napi_throw_type_error(env, NULL, "watch(fd, callback)");
    return NULL;
  }
  watch_t *old = detach_watch(fd);
  if (old) release_watch(env, old);
  uv_loop_t *loop;
  CHECK(napi_get_uv_event_loop(env, &loop));
  watch_t *w = calloc(1, sizeof *w);
  if (!w) return throw_errno(env, "watch", ENOMEM);
  w->env = env;
  w->fd = fd;
  w->poll.data = w;
  napi_value name;
  napi_create_string_utf8(env, "keepalived-ts:socket", NAPI_AUTO_LENGTH, &name);
  if (napi_async_init(env, NULL, name, &w->context) != napi_ok || napi_create_reference(env, argv[1], 1, &w->callback) != napi_ok) {
    free(w);
    napi_throw_error(env, NULL, "watch: N-API setup failed");
    return NULL;
  }
  int err = uv_poll_init_socket(loop, &w->poll, fd);
  if (err == 0) err = uv_poll_start(&w->poll, UV_READABLE, on_readable);
  if (err != 0) {
    napi_delete_reference(env, w->callback);
    napi_async_destroy(env, w->context);
    free(w);
    return throw_errno(env, "uv_poll", -err);
  }
  w->next = watches;
  watches = w;
  return NULL;
}

/* unwatch(fd) */
static napi_value js_unwatch(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t fd;
  if (!addon_get_args(env, info, 1, argv)) return NULL;
  if (!arg_int(env, argv[0], &fd)) {
    napi_throw_type_error(env, NULL, "unwatch(fd)");
    return NULL;
  }
  watch_t *w = detach_watch(fd);
  if (w) release_watch(env, w);
  return NULL;
}

/* close(fd): stops any watch first. */
static napi_value js_close(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t fd;
  if (!addon_get_args(env, info, 1, argv)) return NULL;
  if (!arg_int(env, argv[0], &fd)) {
    napi_throw_type_error(env, NULL, "close(fd)");
    return NULL;
  }
  watch_t *w = detach_watch(fd);
  if (w) release_watch(env, w);
  if (close(fd) < 0 && errno != EINTR) return throw_errno(env, "close", errno);
  return NULL;
}

/* getsockname(fd) -> sockaddr bytes (netlink port ids, bound addresses). */
static napi_value js_getsockname(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t fd;
  if (!addon_get_args(env, info, 1, argv)) return NULL;
  if (!arg_int(env, argv[0], &fd)) {
    napi_throw_type_error(env, NULL, "getsockname(fd)");
    return NULL;
  }
  struct sockaddr_storage name;
  socklen_t len = sizeof name;
  if (getsockname(fd, (struct sockaddr *)&name, &len) < 0) return throw_errno(env, "getsockname", errno);
  napi_value result;
  CHECK(napi_create_buffer_copy(env, len, &name, NULL, &result));
  return result;
}

/* mkfifo(path, mode): creates a FIFO; an existing one is not an error. */
static napi_value js_mkfifo(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t mode;
  char path[4096];
  size_t len;
  if (!addon_get_args(env, info, 2, argv)) return NULL;
  if (napi_get_value_string_utf8(env, argv[0], path, sizeof path, &len) != napi_ok || !arg_int(env, argv[1], &mode)) {
    napi_throw_type_error(env, NULL, "mkfifo(path, mode)");
    return NULL;
  }
  if (mkfifo(path, (mode_t)mode) < 0 && errno != EEXIST) return throw_errno(env, "mkfifo", errno);
  return NULL;
}

/* raiseNofileLimit(want) -> the soft RLIMIT_NOFILE now in force: raised towards `want`, up to
 * the hard limit (and, as root, the hard limit itself up to `want`), never lowered. */
static napi_value js_raise_nofile_limit(napi_env env, napi_callback_info info) {
  napi_value argv[1], out;
  int32_t want;
  struct rlimit rl;
  if (!addon_get_args(env, info, 1, argv)) return NULL;
  if (!arg_int(env, argv[0], &want) || want < 0) {
    napi_throw_type_error(env, NULL, "raiseNofileLimit(want)");
    return NULL;
  }
  if (getrlimit(RLIMIT_NOFILE, &rl) < 0) return throw_errno(env, "getrlimit", errno);
  if (rl.rlim_cur < (rlim_t)want) {
    struct rlimit next = rl;
    next.rlim_cur = (rlim_t)want;
    if (next.rlim_max < next.rlim_cur) next.rlim_max = next.rlim_cur;
    if (setrlimit(RLIMIT_NOFILE, &next) < 0) {
      /* not allowed to raise the hard limit: go as far as it */
      next.rlim_max = rl.rlim_max;
      next.rlim_cur = rl.rlim_max < (rlim_t)want ? rl.rlim_max : (rlim_t)want;
      if (setrlimit(RLIMIT_NOFILE, &next) < 0) return throw_errno(env, "setrlimit", errno);
    }
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0) return throw_errno(env, "getrlimit", errno);
  }
  napi_create_double(env, (double)rl.rlim_cur, &out);
  return out;
}

/* timerfdCreate() -> fd: a CLOCK_MONOTONIC timer (the clock of process.hrtime), for wake-ups
 * finer than libuv's millisecond timers. Watch it with watch() and clear it with timerfdRead(). */
static napi_value js_timerfd_create(napi_env env, napi_callback_info info) {
  int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (fd < 0) return throw_errno(env, "timerfd_create", errno);
  napi_value result;
  CHECK(napi_create_int32(env, fd, &result));
  return result;
}

/* timerfdArm(fd, atMicroseconds): absolute monotonic deadline; 0 disarms. */
static napi_value js_timerfd_arm(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t fd;
  double at_us;
  if (!addon_get_args(env, info, 2, argv)) return NULL;
  if (!arg_int(env, argv[0], &fd) || napi_get_value_double(env, argv[1], &at_us) != napi_ok || at_us < 0) {
    napi_throw_type_error(env, NULL, "timerfdArm(fd, atMicroseconds)");
    return NULL;
  }
  struct itimerspec spec = {0};
  uint64_t us = (uint64_t)at_us;
  spec.it_value.tv_sec = (time_t)(us / 1000000);
  spec.it_value.tv_nsec = (long)((us % 1000000) * 1000);
  if (us == 0) spec.it_value.tv_nsec = 0; /* disarm */
  if (timerfd_settime(fd, us ? TFD_TIMER_ABSTIME : 0, &spec, NULL) < 0) return throw_errno(env, "timerfd_settime", errno);
  return NULL;
}

/* timerfdRead(fd) -> expirations since the last read (0 if none). */
static napi_value js_timerfd_read(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t fd;
  if (!addon_get_args(env, info, 1, argv)) return NULL;
  if (!arg_int(env, argv[0], &fd)) {
    napi_throw_type_error(env, NULL, "timerfdRead(fd)");
    return NULL;
  }
  uint64_t count = 0;
  if (read(fd, &count, sizeof count) < 0 && errno != EAGAIN) return throw_errno(env, "timerfd read", errno);
  napi_value result;
  CHECK(napi_create_double(env, (double)count, &result));
  return result;
}

/* clockOffsetUs() -> CLOCK_REALTIME - CLOCK_MONOTONIC in microseconds, read back to back, to turn
 * kernel receive timestamps (realtime) into the monotonic clock the timers use. */
static napi_value js_clock_offset_us(napi_env env, napi_callback_info info) {
  struct timespec mono1, real, mono2;
  clock_gettime(CLOCK_MONOTONIC, &mono1);
  clock_gettime(CLOCK_REALTIME, &real);
  clock_gettime(CLOCK_MONOTONIC, &mono2);
  double mono_us = ((double)mono1.tv_sec + (double)mono2.tv_sec) * 500000.0 + ((double)mono1.tv_nsec + (double)mono2.tv_nsec) / 2000.0;
  double real_us = (double)real.tv_sec * 1e6 + (double)real.tv_nsec / 1000.0;
  napi_value result;
  CHECK(napi_create_double(env, real_us - mono_us, &result));
  return result;
}

/* limitMallocArenas(n): at most n malloc arenas from now on, so that threads (the configuration
 * reader's worker, libuv's pool) do not each keep an arena of their own after they are done. */
static napi_value js_limit_malloc_arenas(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t n;
  if (!addon_get_args(env, info, 1, argv) || !arg_int(env, argv[0], &n) || n < 1) {
    napi_throw_type_error(env, NULL, "limitMallocArenas(n >= 1)");
    return NULL;
  }
  mallopt(M_ARENA_MAX, n);
  return NULL;
}

/* trimMemory(): give the memory malloc holds free back to the system (malloc_trim). */
static napi_value js_trim_memory(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result;
  CHECK(napi_get_boolean(env, malloc_trim(0) == 1, &result));
  return result;
}

/*
 * Numbered signals (keepalived's SIGRTMIN+2 JSON dump, SIGRTMAX-1 stats clear) on the event loop:
 * Node's process.on knows only named signals. A libuv uv_signal_t is the safe way: libuv's own
 * handler forwards a signal delivered to any thread through a pipe to the loop; a signalfd would
 * need the signal blocked in every thread, which a Node process cannot arrange.
 */
typedef struct signal_watch {
  uv_signal_t handle;
  napi_env env;
  napi_ref callback;
  napi_async_context context;
  int signum;
  struct signal_watch *next;
} signal_watch_t;

static signal_watch_t *signal_watches = NULL;

static void on_signal(uv_signal_t *handle, int signum) {
  signal_watch_t *w = handle->data;
  napi_handle_scope scope;
  if (napi_open_handle_scope(w->env, &scope) != napi_ok) return;
  napi_value fn, recv, arg, result;
  if (napi_get_reference_value(w->env, w->callback, &fn) == napi_ok && fn != NULL) {
    napi_get_global(w->env, &recv);
    napi_create_int32(w->env, signum, &arg);
    if (napi_make_callback(w->env, w->context, recv, fn, 1, &arg, &result) == napi_pending_exception) {
      napi_value error;
      napi_get_and_clear_last_exception(w->env, &error);
      napi_fatal_exception(w->env, error);
    }
  }
  napi_close_handle_scope(w->env, scope);
}

static void on_signal_closed(uv_handle_t *handle) {
  free(handle->data);
}

static void signal_cleanup_hook(void *arg);

static signal_watch_t *detach_signal_watch(napi_env env, int signum) {
  for (signal_watch_t **p = &signal_watches; *p; p = &(*p)->next) {
    if ((*p)->env == env && (*p)->signum == signum) {
      signal_watch_t *w = *p;
      *p = w->next;
      return w;
    }
  }
  return NULL;
}

static void release_signal_watch(signal_watch_t *w, int from_hook) {
  if (!from_hook) napi_remove_env_cleanup_hook(w->env, signal_cleanup_hook, w);
  uv_signal_stop(&w->handle);
  napi_delete_reference(w->env, w->callback);
  napi_async_destroy(w->env, w->context);
  uv_close((uv_handle_t *)&w->handle, on_signal_closed);
}

/* The environment (a worker thread, or the process at exit) goes away with the watch still on. */
static void signal_cleanup_hook(void *arg) {
  signal_watch_t *w = arg;
  signal_watch_t *found = detach_signal_watch(w->env, w->signum);
  if (found) release_signal_watch(found, 1);
}

/* Signals a watch may take: not KILL/STOP (cannot be caught), not the synchronous faults (a real
 * fault would return to the faulting instruction forever), not libc's reserved 32..SIGRTMIN-1. */
static int signal_watchable(int signum) {
  if (signum >= SIGRTMIN && signum <= SIGRTMAX) return 1;
  if (signum < 1 || signum > 31) return 0;
  return signum != SIGKILL && signum != SIGSTOP && signum != SIGSEGV && signum != SIGBUS && signum != SIGFPE &&
         signum != SIGILL && signum != SIGTRAP && signum != SIGSYS;
}

/* signalWatch(signum, callback): callback(signum) runs on the event loop on each delivery. The
 * handle is unref'd, as Node's own signal handles are: it does not keep the process alive. */
static napi_value js_signal_watch(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t signum;
  napi_valuetype t;
  if (!addon_get_args(env, info, 2, argv)) return NULL;
  if (!arg_int(env, argv[0], &signum) || napi_typeof(env, argv[1], &t) != napi_ok || t != napi_function) {
    napi_throw_type_error(env, NULL, "signalWatch(signum, callback)");
    return NULL;
  }
  if (!signal_watchable(signum)) {
    napi_throw_range_error(env, NULL, "signalWatch: signal number out of range or not catchable");
    return NULL;
  }
  uv_loop_t *loop;
  CHECK(napi_get_uv_event_loop(env, &loop));
  signal_watch_t *w = calloc(1, sizeof *w);
  if (!w) return throw_errno(env, "signalWatch", ENOMEM);
  w->env = env;
  w->signum = signum;
  w->handle.data = w;
  napi_value name;
  napi_create_string_utf8(env, "keepalived-ts:signal", NAPI_AUTO_LENGTH, &name);
  if (napi_async_init(env, NULL, name, &w->context) != napi_ok) {
    free(w);
    napi_throw_error(env, NULL, "signalWatch: N-API setup failed");
    return NULL;
  }
  if (napi_create_reference(env, argv[1], 1, &w->callback) != napi_ok) {
    napi_async_destroy(env, w->context);
    free(w);
    napi_throw_error(env, NULL, "signalWatch: N-API setup failed");
    return NULL;
  }
  int err = uv_signal_init(loop, &w->handle);
  if (err != 0) {
    napi_delete_reference(env, w->callback);
    napi_async_destroy(env, w->context);
    free(w);
    return throw_errno(env, "uv_signal_init", -err);
  }
  err = uv_signal_start(&w->handle, on_signal, signum);
  if (err != 0) {
    napi_delete_reference(env, w->callback);
    napi_async_destroy(env, w->context);
    uv_close((uv_handle_t *)&w->handle, on_signal_closed); /* an initialised handle must be closed */
    return throw_errno(env, "uv_signal_start", -err);
  }
  uv_unref((uv_handle_t *)&w->handle);
  /* a replaced watch goes only now, so that the signal never falls back to its default action */
  signal_watch_t *old = detach_signal_watch(env, signum);
  if (old) release_signal_watch(old, 0);
  napi_add_env_cleanup_hook(env, signal_cleanup_hook, w);
  w->next = signal_watches;
  signal_watches = w;
  return NULL;
}

/* signalUnwatch(signum): the signal's disposition goes back to what it was once no libuv handle
 * (ours or Node's) watches it. */
static napi_value js_signal_unwatch(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t signum;
  if (!addon_get_args(env, info, 1, argv)) return NULL;
  if (!arg_int(env, argv[0], &signum)) {
    napi_throw_type_error(env, NULL, "signalUnwatch(signum)");
    return NULL;
  }
  signal_watch_t *w = detach_signal_watch(env, signum);
  if (w) release_signal_watch(w, 0);
  return NULL;
}

/* sigrtmin(), sigrtmax(): the C library's values at run time (glibc keeps the first two real-time
 * signals for itself, so 34 and 64 there; musl says 35). */
static napi_value js_sigrtmin(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result;
  CHECK(napi_create_int32(env, SIGRTMIN, &result));
  return result;
}

static napi_value js_sigrtmax(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result;
  CHECK(napi_create_int32(env, SIGRTMAX, &result));
  return result;
}

static void set_const(napi_env env, napi_value obj, const char *name, int value) {
  napi_value v;
  napi_create_int32(env, value, &v);
  napi_set_named_property(env, obj, name, v);
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor fns[] = {
      {"socket", NULL, js_socket, NULL, NULL, NULL, napi_default, NULL},
      {"setsockopt", NULL, js_setsockopt, NULL, NULL, NULL, napi_default, NULL},
      {"bind", NULL, js_bind, NULL, NULL, NULL, napi_default, NULL},
      {"sendto", NULL, js_sendto, NULL, NULL, NULL, napi_default, NULL},
      {"recvmsg", NULL, js_recvmsg, NULL, NULL, NULL, napi_default, NULL},
      {"watch", NULL, js_watch, NULL, NULL, NULL, napi_default, NULL},
      {"unwatch", NULL, js_unwatch, NULL, NULL, NULL, napi_default, NULL},
      {"close", NULL, js_close, NULL, NULL, NULL, napi_default, NULL},
      {"getsockname", NULL, js_getsockname, NULL, NULL, NULL, napi_default, NULL},
      {"mkfifo", NULL, js_mkfifo, NULL, NULL, NULL, napi_default, NULL},
      {"raiseNofileLimit", NULL, js_raise_nofile_limit, NULL, NULL, NULL, napi_default, NULL},
      {"clockOffsetUs", NULL, js_clock_offset_us, NULL, NULL, NULL, napi_default, NULL},
      {"timerfdCreate", NULL, js_timerfd_create, NULL, NULL, NULL, napi_default, NULL},
      {"timerfdArm", NULL, js_timerfd_arm, NULL, NULL, NULL, napi_default, NULL},
      {"timerfdRead", NULL, js_timerfd_read, NULL, NULL, NULL, napi_default, NULL},
      {"limitMallocArenas", NULL, js_limit_malloc_arenas, NULL, NULL, NULL, napi_default, NULL},
      {"trimMemory", NULL, js_trim_memory, NULL, NULL, NULL, napi_default, NULL},
      {"signalWatch", NULL, js_signal_watch, NULL, NULL, NULL, napi_default, NULL},
      {"signalUnwatch", NULL, js_signal_unwatch, NULL, NULL, NULL, napi_default, NULL},
      {"sigrtmin", NULL, js_sigrtmin, NULL, NULL, NULL, napi_default, NULL},
      {"sigrtmax", NULL, js_sigrtmax, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof fns / sizeof fns[0], fns);
  tcp_probe_register(env, exports);
  advert_keeper_register(env, exports);
  netns_register(env, exports);
  napi_value c;
  napi_create_object(env, &c);
  set_const(env, c, "AF_INET", AF_INET);
  set_const(env, c, "AF_INET6", AF_INET6);
  set_const(env, c, "AF_PACKET", AF_PACKET);
  set_const(env, c, "AF_UNIX", AF_UNIX);
  set_const(env, c, "AF_NETLINK", AF_NETLINK);
  set_const(env, c, "SOCK_RAW", SOCK_RAW);
  set_const(env, c, "SOCK_DGRAM", SOCK_DGRAM);
  set_const(env, c, "SOL_SOCKET", SOL_SOCKET);
  set_const(env, c, "SO_BINDTODEVICE", SO_BINDTODEVICE);
  set_const(env, c, "SO_MARK", SO_MARK);
  set_const(env, c, "SO_RCVBUF", SO_RCVBUF);
  set_const(env, c, "SO_RCVBUFFORCE", SO_RCVBUFFORCE);
  set_const(env, c, "SO_SNDBUF", SO_SNDBUF);
  set_const(env, c, "SO_PRIORITY", SO_PRIORITY);
  set_const(env, c, "SO_TIMESTAMPNS", SO_TIMESTAMPNS);
  set_const(env, c, "IPPROTO_IP", IPPROTO_IP);
  set_const(env, c, "IPPROTO_IPV6", IPPROTO_IPV6);
  set_const(env, c, "IP_TOS", IP_TOS);
  set_const(env, c, "IP_TTL", IP_TTL);
  set_const(env, c, "IP_HDRINCL", IP_HDRINCL);
  set_const(env, c, "IP_PKTINFO", IP_PKTINFO);
  set_const(env, c, "IP_RECVTTL", IP_RECVTTL);
  set_const(env, c, "IP_TTL_CMSG", IP_TTL);
  set_const(env, c, "IP_MULTICAST_IF", IP_MULTICAST_IF);
  set_const(env, c, "IP_MULTICAST_TTL", IP_MULTICAST_TTL);
  set_const(env, c, "IP_MULTICAST_LOOP", IP_MULTICAST_LOOP);
  set_const(env, c, "IP_ADD_MEMBERSHIP", IP_ADD_MEMBERSHIP);
  set_const(env, c, "IP_DROP_MEMBERSHIP", IP_DROP_MEMBERSHIP);
  set_const(env, c, "IP_MULTICAST_ALL", IP_MULTICAST_ALL);
  set_const(env, c, "IPV6_CHECKSUM", IPV6_CHECKSUM);
  set_const(env, c, "IPV6_RECVPKTINFO", IPV6_RECVPKTINFO);
  set_const(env, c, "IPV6_PKTINFO", IPV6_PKTINFO);
  set_const(env, c, "IPV6_RECVHOPLIMIT", IPV6_RECVHOPLIMIT);
  set_const(env, c, "IPV6_HOPLIMIT", IPV6_HOPLIMIT);
  set_const(env, c, "IPV6_MULTICAST_IF", IPV6_MULTICAST_IF);
  set_const(env, c, "IPV6_MULTICAST_HOPS", IPV6_MULTICAST_HOPS);
  set_const(env, c, "IPV6_MULTICAST_LOOP", IPV6_MULTICAST_LOOP);
  set_const(env, c, "IPV6_ADD_MEMBERSHIP", IPV6_ADD_MEMBERSHIP);
  set_const(env, c, "SOL_PACKET", SOL_PACKET);
  set_const(env, c, "NETLINK_ROUTE", NETLINK_ROUTE);
  set_const(env, c, "NETLINK_GENERIC", NETLINK_GENERIC);
  set_const(env, c, "SOL_NETLINK", SOL_NETLINK);
  set_const(env, c, "NETLINK_EXT_ACK", NETLINK_EXT_ACK);
  set_const(env, c, "NETLINK_CAP_ACK", NETLINK_CAP_ACK);
  set_const(env, c, "NETLINK_ADD_MEMBERSHIP", NETLINK_ADD_MEMBERSHIP);
  set_const(env, c, "MSG_DONTROUTE", MSG_DONTROUTE);
  set_const(env, c, "MSG_TRUNC", MSG_TRUNC);
  set_const(env, c, "MSG_CTRUNC", MSG_CTRUNC);
  /* the kernel headers the addon was built with, for -v's "Built with kernel headers" line */
  set_const(env, c, "LINUX_VERSION_CODE", LINUX_VERSION_CODE);
  napi_set_named_property(env, exports, "constants", c);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
