/** keepalived's pid files (`-p`, `-r`, `-c` change them). */
export const DefaultPidFiles = {
  main: '/run/keepalived.pid',
  vrrp: '/run/keepalived_vrrp.pid',
  checkers: '/run/keepalived_checkers.pid',
} as const;
