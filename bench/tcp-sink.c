/*
 * The real servers of bench/checkers.mjs for TCP_CHECK: accepts and closes connections on
 * 0.0.0.0:PORT as cheaply as a process can (so that the bench measures the checker, not the
 * listener), and counts them: on SIGUSR1 it prints the count so far, on SIGTERM the count, then exits.
 * Built by the bench with cc; usage: tcp-sink PORT
 */
#define _GNU_SOURCE
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

static volatile sig_atomic_t report, quit;
static void on_usr1(int s) { (void)s; report = 1; }
static void on_term(int s) { (void)s; quit = 1; }

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  int one = 1;
  setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[1]))};
  if (bind(s, (struct sockaddr *)&a, sizeof a) != 0 || listen(s, 65535) != 0) {
    perror("tcp-sink");
    return 1;
  }
  struct sigaction usr1 = {.sa_handler = on_usr1}, term = {.sa_handler = on_term};
  sigaction(SIGUSR1, &usr1, NULL);
  sigaction(SIGTERM, &term, NULL);
  int ep = epoll_create1(0);
  struct epoll_event ev = {.events = EPOLLIN};
  epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev);
  printf("ready\n");
  fflush(stdout);
  unsigned long long accepted = 0;
  while (!quit) {
    struct epoll_event e;
    epoll_wait(ep, &e, 1, 200);
    for (;;) {
      int c = accept4(s, NULL, NULL, SOCK_NONBLOCK);
      if (c < 0) break;
      close(c);
      accepted++;
    }
    if (report) {
      report = 0;
      printf("%llu\n", accepted);
      fflush(stdout);
    }
  }
  printf("%llu\n", accepted);
  return 0;
}
