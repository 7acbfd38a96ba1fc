/*
 * The real servers of bench/checkers.mjs for HTTP_GET: on 0.0.0.0:PORT, reads a request and
 * answers `HTTP/1.0 200 OK` with the body `ok`, then closes, as cheaply as a process can (so
 * that the bench measures the checker, not the server), counting the requests answered: on
 * SIGUSR1 it prints the count so far, on SIGTERM the count, then exits. Built by the bench with cc.
 * usage: http-sink PORT
 */
#define _GNU_SOURCE
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

static volatile sig_atomic_t report, quit;
static void on_usr1(int s) { (void)s; report = 1; }
static void on_term(int s) { (void)s; quit = 1; }

static const char response[] = "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  signal(SIGPIPE, SIG_IGN);
  int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  int one = 1;
  setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[1]))};
  if (bind(s, (struct sockaddr *)&a, sizeof a) != 0 || listen(s, 65535) != 0) {
    perror("http-sink");
    return 1;
  }
  struct sigaction usr1 = {.sa_handler = on_usr1}, term = {.sa_handler = on_term};
  sigaction(SIGUSR1, &usr1, NULL);
  sigaction(SIGTERM, &term, NULL);
  int ep = epoll_create1(0);
  struct epoll_event ev = {.events = EPOLLIN, .data.fd = s};
  epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev);
  printf("ready\n");
  fflush(stdout);
  unsigned long long answered = 0;
  while (!quit) {
    if (report) {
      report = 0;
      printf("%llu\n", answered);
      fflush(stdout);
    }
    struct epoll_event ready[256];
    int n = epoll_wait(ep, ready, 256, 200);
    for (int i = 0; i < n; i++) {
      int fd = ready[i].data.fd;
      if (fd == s) {
        for (;;) {
          int c = accept4(s, NULL, NULL, SOCK_NONBLOCK);
          if (c < 0) break;
          struct epoll_event cev = {.events = EPOLLIN | EPOLLRDHUP, .data.fd = c};
          epoll_ctl(ep, EPOLL_CTL_ADD, c, &cev);
        }
        continue;
      }
      char buf[4096];
      ssize_t got = read(fd, buf, sizeof buf);
      /* a request arrives in one segment on loopback; answer it and close */
      if (got > 0 && write(fd, response, sizeof response - 1) > 0) answered++;
      close(fd);
    }
  }
  printf("%llu\n", answered);
  return 0;
}
