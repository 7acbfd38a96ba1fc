/*
 * TCP connect probes for TCP_CHECK, done without a Node.js socket object per check: a
 * non-blocking connect() on a socket registered with one epoll set of our own, which libuv
 * watches through a single uv_poll handle, and a libuv timer per probe for connect_timeout.
 * When the connection completes (or fails, or times out) the descriptor is closed and the
 * result is queued; queued results reach JavaScript in batches, one call per loop turn,
 * through an Int32Array shared with it. A socket per probe and nothing else: no thread, no
 * process, no select() ceiling.
 *
 * A probe started with a request (HTTP_GET) goes on once connected: the request is written,
 * then each read is handed over (its bytes in a second shared buffer) and the socket waits,
 * not polled, until JavaScript asks for more (tcpProbeRead) or is done (tcpProbeCancel). The
 * connect_timeout timer runs over all of it.
 *
 * Results are (slot, kind, a, b): DONE (a = errno, 0 connected; the probe is over), SENT (the
 * request is written), DATA (a = offset, b = length in the data buffer), END (the peer closed;
 * over), FAILED (a = errno, ETIMEDOUT for the timer; over).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <node_api.h>
#include <uv.h>

#include "napi_args.h"
#include "tcp_probe.h"

#define SLOTS_PER_CHUNK 1024
/* Results handed to JavaScript per call, and the bytes of their reads. */
#define RESULT_CAPACITY 2048
#define DATA_CAPACITY (256 * 1024)
#define READ_MAX (64 * 1024)

enum { KIND_DONE = 0, KIND_SENT = 1, KIND_DATA = 2, KIND_END = 3, KIND_FAILED = 4 };
enum { STATE_CONNECTING = 0, STATE_PAUSED = 1, STATE_READING = 2 };

typedef struct probe_slot {
  uv_timer_t timer;
  int fd; /* -1 while free or while its result waits to be handed over */
  int32_t index;
  /* bumped on every use, so that a stale epoll event cannot be taken for the slot's next probe */
  uint32_t generation;
  int state;
  /* the request to write once connected (malloc'd), or NULL for a connect-only probe */
  uint8_t *request;
  size_t request_len;
  /* a failure found while JavaScript handled a batch: its errno, reported after the batch */
  int late_err;
  struct probe_slot *next_free;
} probe_slot_t;

static struct {
  int ready;
  napi_env env;
  napi_ref callback;
  napi_async_context context;
  int epfd;
  uv_loop_t *loop;
  uv_poll_t poll;
  uv_idle_t flusher;
  probe_slot_t **chunks;
  size_t nchunks;
  probe_slot_t *free_list;
  int32_t *results;
  napi_ref results_ref;
  uint8_t *data;
  napi_ref data_ref;
  size_t data_used;
  size_t queued;
  /* while JavaScript handles a batch, cancelled slots wait here: a result of the batch may still name them */
  int flushing;
  probe_slot_t *deferred;
  /* probes that failed while JavaScript handled a batch (tcpProbeRead): queued after it */
  probe_slot_t *late;
  /* tests only (tcpProbeTestFailReads): the next N tcpProbeRead calls fail with this errno */
  int32_t test_fail_reads;
  int32_t test_fail_errno;
  size_t active;
} tp;

static napi_value throw_code(napi_env env, int err, const char *what) {
  char message[160];
  snprintf(message, sizeof message, "%s: %s", what, strerror(err));
  napi_throw_error(env, NULL, message);
  return NULL;
}

static probe_slot_t *slot_at(int32_t index) {
  if (index < 0 || (size_t)index >= tp.nchunks * SLOTS_PER_CHUNK) return NULL;
  return &tp.chunks[index / SLOTS_PER_CHUNK][index % SLOTS_PER_CHUNK];
}

/* A free slot; the slot table grows a chunk at a time and never moves (libuv holds pointers to the timers). */
static probe_slot_t *take_slot(void) {
  if (!tp.free_list) {
    probe_slot_t **chunks = realloc(tp.chunks, (tp.nchunks + 1) * sizeof *chunks);
    if (!chunks) return NULL;
    tp.chunks = chunks;
    probe_slot_t *chunk = calloc(SLOTS_PER_CHUNK, sizeof *chunk);
    if (!chunk) return NULL;
    for (int i = SLOTS_PER_CHUNK - 1; i >= 0; i--) {
      probe_slot_t *s = &chunk[i];
      s->fd = -1;
      s->index = (int32_t)(tp.nchunks * SLOTS_PER_CHUNK + i);
      uv_timer_init(tp.loop, &s->timer);
      uv_unref((uv_handle_t *)&s->timer);
      s->timer.data = s;
      s->next_free = tp.free_list;
      tp.free_list = s;
    }
    tp.chunks[tp.nchunks++] = chunk;
  }
  probe_slot_t *s = tp.free_list;
  tp.free_list = s->next_free;
  return s;
}

static void free_slot(probe_slot_t *s) {
  s->next_free = tp.free_list;
  tp.free_list = s;
}

/* Close the probe's socket (which also takes it out of the epoll set) and stop its timer. */
static void end_probe(probe_slot_t *s) {
  uv_timer_stop(&s->timer);
  free(s->request);
  s->request = NULL;
  close(s->fd);
  s->fd = -1;
  s->generation++;
  tp.active--;
  /* the watch stays armed (no epoll_ctl per probe); only while probes are under way does it keep the loop alive */
  if (tp.active == 0) uv_unref((uv_handle_t *)&tp.poll);
}

static void push_result(probe_slot_t *s, int kind, int32_t a, int32_t b);

static void flush_results(void) {
  /* never while JavaScript reads the batch: it would be overwritten under it */
  if (tp.flushing || tp.queued == 0) return;
  size_t count = tp.queued;
  tp.queued = 0;
  tp.data_used = 0;
  napi_env env = tp.env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value fn, recv, argv[1], out;
  if (napi_get_reference_value(env, tp.callback, &fn) == napi_ok && fn != NULL) {
    napi_get_global(env, &recv);
    napi_create_uint32(env, (uint32_t)count, &argv[0]);
    tp.flushing = 1;
    if (napi_make_callback(env, tp.context, recv, fn, 1, argv, &out) == napi_pending_exception) {
      napi_value error;
      napi_get_and_clear_last_exception(env, &error);
      napi_fatal_exception(env, error);
    }
    tp.flushing = 0;
  }
  napi_close_handle_scope(env, scope);
  while (tp.deferred) {
    probe_slot_t *d = tp.deferred;
    tp.deferred = d->next_free;
    free_slot(d);
  }
  /* only now may the slots of ended probes serve new ones: JavaScript has seen their results */
  for (size_t i = 0; i < count; i++) {
    int kind = tp.results[4 * i + 1];
    if (kind == KIND_DONE || kind == KIND_END || kind == KIND_FAILED) free_slot(slot_at(tp.results[4 * i]));
  }
  /* failures found during the batch start the next one (at most one per result of this batch,
     so they fit); their slots stay taken until JavaScript has seen them */
  while (tp.late) {
    probe_slot_t *s = tp.late;
    tp.late = s->next_free;
    push_result(s, KIND_FAILED, s->late_err, 0);
  }
}

static void push_result(probe_slot_t *s, int kind, int32_t a, int32_t b) {
  if (tp.queued == RESULT_CAPACITY) flush_results();
  int32_t *r = &tp.results[4 * tp.queued++];
  r[0] = s->index;
  r[1] = kind;
  r[2] = a;
  r[3] = b;
}

/* A result that ends the probe: its socket is closed now, its slot freed once reported. */
static void queue_result(probe_slot_t *s, int kind, int err) {
  push_result(s, kind, err, 0);
  end_probe(s);
}

/* One read of a stream probe: DATA (the socket then waits for tcpProbeRead), END, or FAILED. */
static void read_once(probe_slot_t *s) {
  if (DATA_CAPACITY - tp.data_used < READ_MAX) flush_results();
  ssize_t n = read(s->fd, tp.data + tp.data_used, READ_MAX);
  if (n > 0) {
    push_result(s, KIND_DATA, (int32_t)tp.data_used, (int32_t)n);
    tp.data_used += (size_t)n;
    s->state = STATE_PAUSED;
  } else if (n == 0) {
    queue_result(s, KIND_END, 0);
  } else if (errno != EAGAIN && errno != EINTR) {
    queue_result(s, KIND_FAILED, errno);
  }
}

static int arm(probe_slot_t *s, uint32_t events) {
  struct epoll_event ev = {.events = events | EPOLLONESHOT, .data.u64 = ((uint64_t)s->generation << 32) | (uint32_t)s->index};
  return epoll_ctl(tp.epfd, EPOLL_CTL_MOD, s->fd, &ev);
}

/* How a probe that ends with errno `err` reports it: a connect-only probe is DONE either way. */
static int ending_kind(const probe_slot_t *s, int err) {
  return s->request && err != 0 ? KIND_FAILED : KIND_DONE;
}

/* The connection is made (or failed): a connect-only probe is done; a stream probe writes its request. */
static void connected(probe_slot_t *s, int err) {
  if (err != 0 || !s->request) {
    queue_result(s, ending_kind(s, err), err);
    return;
  }
  /* a request of a few hundred bytes fits a fresh connection's send buffer whole */
  ssize_t w = write(s->fd, s->request, s->request_len);
  if (w != (ssize_t)s->request_len) {
    queue_result(s, KIND_FAILED, w < 0 ? errno : ENOBUFS);
    return;
  }
  free(s->request);
  s->request = NULL;
  s->request_len = 0;
  push_result(s, KIND_SENT, 0, 0);
  s->state = STATE_READING;
  if (arm(s, EPOLLIN) != 0) queue_result(s, KIND_FAILED, errno);
}

static int connect_error(probe_slot_t *s, uint32_t events) {
  int err = 0;
  socklen_t len = sizeof err;
  if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
  else if (err == 0 && (events & (EPOLLERR | EPOLLHUP))) err = ECONNRESET;
  return err;
}

static void on_flush(uv_idle_t *idle) {
  uv_idle_stop(idle);
  flush_results();
}

static void on_timeout(uv_timer_t *timer) {
  probe_slot_t *s = timer->data;
  /* libuv runs timers before it polls: under load the connection may have completed, or the
   * answer come, without its event having been read yet. One last look at the socket decides,
   * not the clock alone. */
  if (s->state == STATE_CONNECTING) {
    struct pollfd p = {.fd = s->fd, .events = POLLOUT};
    if (poll(&p, 1, 0) == 1) {
      connected(s, connect_error(s, (p.revents & (POLLERR | POLLHUP)) ? EPOLLERR : 0));
      /* a stream probe that just sent its request has no time left for the answer */
      if (s->fd >= 0) queue_result(s, KIND_FAILED, ETIMEDOUT);
    } else {
      queue_result(s, ending_kind(s, ETIMEDOUT), ETIMEDOUT);
    }
  } else {
    if (s->state == STATE_READING) {
      struct pollfd p = {.fd = s->fd, .events = POLLIN};
      if (poll(&p, 1, 0) == 1) read_once(s);
    }
    if (s->fd >= 0) queue_result(s, KIND_FAILED, ETIMEDOUT);
  }
  /* timeouts of one loop turn are handed over together, before the loop polls again */
  uv_idle_start(&tp.flusher, on_flush);
}

static void on_epoll(uv_poll_t *handle, int status, int events) {
  (void)handle;
  (void)status;
  (void)events;
  struct epoll_event ready[256];
  for (;;) {
    int n = epoll_wait(tp.epfd, ready, 256, 0);
    for (int i = 0; i < n; i++) {
      probe_slot_t *s = slot_at((int32_t)(ready[i].data.u64 & 0xffffffffu));
      if (!s || s->fd < 0 || s->generation != (uint32_t)(ready[i].data.u64 >> 32)) continue;
      if (s->state == STATE_CONNECTING) connected(s, connect_error(s, ready[i].events));
      else if (s->state == STATE_READING) read_once(s);
    }
    if (n < 256) break;
  }
  flush_results();
}

/* tcpProbeInit(callback(count)) -> [Int32Array of (slot, kind, a, b) results, Uint8Array of their bytes], filled before each call. */
static napi_value js_init(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_valuetype t;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 || napi_typeof(env, argv[0], &t) != napi_ok ||
      t != napi_function) {
    napi_throw_type_error(env, NULL, "tcpProbeInit(callback)");
    return NULL;
  }
  if (tp.ready) {
    napi_throw_error(env, NULL, "tcpProbeInit: already initialised");
    return NULL;
  }
  if (napi_get_uv_event_loop(env, &tp.loop) != napi_ok) return throw_code(env, EINVAL, "tcpProbeInit");
  tp.epfd = epoll_create1(EPOLL_CLOEXEC);
  if (tp.epfd < 0) return throw_code(env, errno, "epoll_create1");
  napi_value buffer, array, name;
  void *data;
  napi_value bytes_buffer, bytes, pair;
  void *bytes_data;
  if (napi_create_arraybuffer(env, RESULT_CAPACITY * 4 * sizeof(int32_t), &data, &buffer) != napi_ok ||
      napi_create_typedarray(env, napi_int32_array, RESULT_CAPACITY * 4, buffer, 0, &array) != napi_ok ||
      napi_create_reference(env, array, 1, &tp.results_ref) != napi_ok ||
      napi_create_arraybuffer(env, DATA_CAPACITY, &bytes_data, &bytes_buffer) != napi_ok ||
      napi_create_typedarray(env, napi_uint8_array, DATA_CAPACITY, bytes_buffer, 0, &bytes) != napi_ok ||
      napi_create_reference(env, bytes, 1, &tp.data_ref) != napi_ok || napi_create_array_with_length(env, 2, &pair) != napi_ok ||
      napi_set_element(env, pair, 0, array) != napi_ok || napi_set_element(env, pair, 1, bytes) != napi_ok ||
      napi_create_reference(env, argv[0], 1, &tp.callback) != napi_ok ||
      napi_create_string_utf8(env, "keepalived-ts:tcp-probe", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_async_init(env, NULL, name, &tp.context) != napi_ok) {
    close(tp.epfd);
    napi_throw_error(env, NULL, "tcpProbeInit: N-API setup failed");
    return NULL;
  }
  tp.results = data;
  tp.data = bytes_data;
  int err = uv_poll_init(tp.loop, &tp.poll, tp.epfd);
  if (err == 0) err = uv_poll_start(&tp.poll, UV_READABLE, on_epoll);
  if (err == 0) err = uv_idle_init(tp.loop, &tp.flusher);
  if (err != 0) return throw_code(env, -err, "uv_poll_init");
  uv_unref((uv_handle_t *)&tp.poll);
  tp.env = env;
  tp.ready = 1;
  return pair;
}

/*
 * tcpProbeStart(sockaddr, bindSockaddr | null, mark, device | null, timeoutMs, request | null)
 * -> slot >= 0 while the connection is under way, or -errno when it could not even start.
 */
static napi_value js_start(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6], result;
  if (!tp.ready) {
    napi_throw_error(env, NULL, "tcpProbeStart before tcpProbeInit");
    return NULL;
  }
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 6) {
    napi_throw_type_error(env, NULL, "tcpProbeStart(sockaddr, bind, mark, device, timeoutMs, request)");
    return NULL;
  }
  void *peer = NULL, *local = NULL, *request = NULL;
  size_t peer_len = 0, local_len = 0, request_len = 0;
  if (!addon_arg_bytes(env, argv[0], &peer, &peer_len) || !addon_arg_bytes(env, argv[1], &local, &local_len) ||
      !addon_arg_bytes(env, argv[5], &request, &request_len)) {
    napi_throw_type_error(env, NULL, "tcpProbeStart: sockaddr, bind and request must be Uint8Arrays (bind and request may be null)");
    return NULL;
  }
  int32_t mark = 0, timeout_ms = 0;
  napi_valuetype t;
  napi_get_value_int32(env, argv[2], &mark);
  char device[IFNAMSIZ] = "";
  napi_typeof(env, argv[3], &t);
  if (t == napi_string) {
    size_t device_len = 0;
    napi_get_value_string_utf8(env, argv[3], NULL, 0, &device_len);
    /* a longer name would be cut to another interface's name */
    if (device_len == 0 || device_len >= IFNAMSIZ) {
      napi_throw_range_error(env, NULL, "tcpProbeStart: device name must be 1 to 15 bytes");
      return NULL;
    }
    napi_get_value_string_utf8(env, argv[3], device, sizeof device, NULL);
  }
  napi_get_value_int32(env, argv[4], &timeout_ms);
  /* at least a sa_family_t and no more than a sockaddr_storage, for the peer and the local end */
  if (peer_len < sizeof(sa_family_t) || peer_len > sizeof(struct sockaddr_storage) || local_len > sizeof(struct sockaddr_storage) || timeout_ms <= 0) {
    napi_throw_range_error(env, NULL, "tcpProbeStart: bad sockaddr or timeout");
    return NULL;
  }
  int family = ((struct sockaddr *)peer)->sa_family;
  int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int err = fd < 0 ? errno : 0;
  if (!err && mark != 0 && setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof mark) != 0) err = errno;
  if (!err && device[0] && setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, device, (socklen_t)strlen(device)) != 0) err = errno;
  if (!err && local_len > 0) {
    int one = 1;
    /* bind_port: several checkers may share one local port towards different servers */
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, local, (socklen_t)local_len) != 0) err = errno;
  }
  if (!err && connect(fd, peer, (socklen_t)peer_len) != 0 && errno != EINPROGRESS) err = errno;
  probe_slot_t *s = NULL;
  if (!err && !(s = take_slot())) err = ENOMEM;
  if (!err) {
    struct epoll_event ev = {.events = EPOLLOUT | EPOLLONESHOT, .data.u64 = ((uint64_t)s->generation << 32) | (uint32_t)s->index};
    if (epoll_ctl(tp.epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
      err = errno;
      free_slot(s);
    }
  }
  if (err) {
    if (fd >= 0) close(fd);
    napi_create_int32(env, -err, &result);
    return result;
  }
  s->fd = fd;
  s->state = STATE_CONNECTING;
  s->request = NULL;
  s->request_len = 0;
  if (request_len > 0) {
    s->request = malloc(request_len);
    if (s->request) {
      memcpy(s->request, request, request_len);
      s->request_len = request_len;
    }
  }
  if (tp.active++ == 0) uv_ref((uv_handle_t *)&tp.poll);
  uv_timer_start(&s->timer, on_timeout, (uint64_t)timeout_ms, 0);
  napi_create_int32(env, s->index, &result);
  return result;
}

/* The probe of the call's one argument (a slot), if it is under way. */
static probe_slot_t *slot_arg(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t index = -1;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) == napi_ok && argc == 1) napi_get_value_int32(env, argv[0], &index);
  probe_slot_t *s = slot_at(index);
  return s && s->fd >= 0 ? s : NULL;
}

/* tcpProbeCancel(slot): abandon a probe under way (its socket is closed, no result follows). */
static napi_value js_cancel(napi_env env, napi_callback_info info) {
  probe_slot_t *s = slot_arg(env, info);
  if (s) {
    end_probe(s);
    if (tp.flushing) {
      s->next_free = tp.deferred;
      tp.deferred = s;
    } else {
      free_slot(s);
    }
  }
  return NULL;
}

/*
 * tcpProbeRead(slot): the bytes handed over are taken; read what comes next. It is called while
 * JavaScript handles a batch: a failure here must not touch that batch (the results array is
 * being read, and its slots are freed after it), so it is queued once the batch is over.
 */
static napi_value js_read(napi_env env, napi_callback_info info) {
  probe_slot_t *s = slot_arg(env, info);
  if (s && s->state == STATE_PAUSED) {
    s->state = STATE_READING;
    int err = 0;
    if (tp.test_fail_reads > 0) {
      tp.test_fail_reads--;
      err = tp.test_fail_errno;
    } else if (arm(s, EPOLLIN) != 0) {
      err = errno;
    }
    if (err != 0) {
      end_probe(s);
      if (tp.flushing) {
        s->late_err = err;
        s->next_free = tp.late;
        tp.late = s;
      } else {
        push_result(s, KIND_FAILED, err, 0);
      }
      uv_idle_start(&tp.flusher, on_flush);
    }
  }
  return NULL;
}

/* tcpProbeTestFailReads(count, errno): tests only; the next `count` tcpProbeRead calls fail with errno. */
static napi_value js_test_fail_reads(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  int32_t count = 0, err = 0;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2 || napi_get_value_int32(env, argv[0], &count) != napi_ok ||
      napi_get_value_int32(env, argv[1], &err) != napi_ok || count < 0 || err <= 0) {
    napi_throw_type_error(env, NULL, "tcpProbeTestFailReads(count >= 0, errno > 0)");
    return NULL;
  }
  tp.test_fail_reads = count;
  tp.test_fail_errno = err;
  return NULL;
}

/* tcpProbeActive() -> probes under way (for tests: every socket was released). */
static napi_value js_active(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result;
  napi_create_uint32(env, (uint32_t)tp.active, &result);
  return result;
}

void tcp_probe_register(napi_env env, napi_value exports) {
  napi_property_descriptor fns[] = {
      {"tcpProbeInit", NULL, js_init, NULL, NULL, NULL, napi_default, NULL},
      {"tcpProbeStart", NULL, js_start, NULL, NULL, NULL, napi_default, NULL},
      {"tcpProbeCancel", NULL, js_cancel, NULL, NULL, NULL, napi_default, NULL},
      {"tcpProbeRead", NULL, js_read, NULL, NULL, NULL, napi_default, NULL},
      {"tcpProbeActive", NULL, js_active, NULL, NULL, NULL, napi_default, NULL},
      {"tcpProbeTestFailReads", NULL, js_test_fail_reads, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof fns / sizeof fns[0], fns);
}
