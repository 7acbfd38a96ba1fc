/*
 * The kernel's floor for TCP_CHECK on this machine: one thread doing nothing but non-blocking
 * connect() + epoll + close() to N loopback addresses at a target rate, as fast as C allows.
 * What it cannot reach, no single-threaded checker (keepalived's or ours) can.
 * usage: tcp-connect-floor RATE SECONDS [N=50000] [PORT=18000] [PORTS=2]  -> one JSON line
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  if (argc < 3) return 2;
  long rate = atol(argv[1]);
  double seconds = atof(argv[2]);
  long n = argc > 3 ? atol(argv[3]) : 50000;
  int port = argc > 4 ? atoi(argv[4]) : 18000;
  int ports = argc > 5 ? atoi(argv[5]) : 2;
  int ep = epoll_create1(0);
  long started = 0, done = 0, failed = 0, refusedToStart = 0, inFlight = 0;
  double t0 = now();
  struct rusage r0;
  getrusage(RUSAGE_SELF, &r0);
  for (;;) {
    double elapsed = now() - t0;
    if (elapsed >= seconds) break;
    long due = (long)(elapsed * (double)rate);
    while (started < due) {
      long i = started++ % n;
      int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
      if (s < 0) {
        refusedToStart++;
        break;
      }
      struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)(port + i % ports)),
                              .sin_addr.s_addr = htonl((127u << 24) + (1u << 16) + (uint32_t)i)};
      if (connect(s, (struct sockaddr *)&a, sizeof a) != 0 && errno != EINPROGRESS) {
        failed++;
        close(s);
        continue;
      }
      struct epoll_event ev = {.events = EPOLLOUT | EPOLLONESHOT, .data.fd = s};
      epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev);
      inFlight++;
    }
    struct epoll_event ready[512];
    int k = epoll_wait(ep, ready, 512, 1);
    for (int j = 0; j < k; j++) {
      int err = 0;
      socklen_t len = sizeof err;
      getsockopt(ready[j].data.fd, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err) failed++;
      close(ready[j].data.fd);
      done++;
      inFlight--;
    }
  }
  double elapsed = now() - t0;
  struct rusage r1;
  getrusage(RUSAGE_SELF, &r1);
  double cpu = (double)(r1.ru_utime.tv_sec - r0.ru_utime.tv_sec) + (double)(r1.ru_utime.tv_usec - r0.ru_utime.tv_usec) / 1e6 +
               (double)(r1.ru_stime.tv_sec - r0.ru_stime.tv_sec) + (double)(r1.ru_stime.tv_usec - r0.ru_stime.tv_usec) / 1e6;
  printf("{\"targetPerSecond\":%ld,\"connectsPerSecond\":%.0f,\"failed\":%ld,\"couldNotStart\":%ld,\"cpuSecondsPer1000\":%.4f,\"cpuShare\":%.2f}\n",
         rate, (double)done / elapsed, failed, refusedToStart, done ? cpu / (double)done * 1000 : 0, cpu / elapsed);
  return 0;
}
