/**
 * The address family of static/virtual routes and rules, as keepalived 2.2.7 decides it
 * (vrrp/vrrp_iproute.c alloc_route(), vrrp/vrrp_iprule.c alloc_rule(), parse_route()):
 * `default`, `any` and `all` have no family until another word gives one.
 */
import { describe, expect, it } from 'vitest';
import { messages, parseText } from '../../helpers/config.js';

const routes = (...lines: string[]) => parseText(`static_routes {\n${lines.map((l) => `  ${l}\n`).join('')}}\n`);
const rules = (...lines: string[]) => parseText(`static_rules {\n${lines.map((l) => `  ${l}\n`).join('')}}\n`);

describe('route family', () => {
  it('takes the family of the gateway for a default route', () => {
    const r = routes('default via 2001:db8::1 dev eth0', 'any via 192.0.2.1 dev eth0', 'all dev eth0 expires 60');
    expect(messages(r)).toEqual([]);
    expect(r.config.static_routes.map((x) => [x.to, x.family, x.via])).toEqual([
      ['::/0', 'inet6', '2001:db8::1'],
      ['0.0.0.0/0', 'inet', '192.0.2.1'],
      ['::/0', 'inet6', undefined],
    ]);
  });

  it('is IPv4 when nothing gives a family', () => {
    const r = routes('default dev eth0');
    expect(messages(r)).toEqual([]);
    expect(r.config.static_routes[0]).toMatchObject({ to: '0.0.0.0/0', family: 'inet' });
  });

  it('refuses a family-less destination after a family was set, as keepalived does', () => {
    expect(messages(routes('via 2001:db8::1 default dev eth0'))).toEqual(['2: Cannot mix IPv4 and IPv6 addresses for route (default)']);
    expect(messages(routes('src 192.0.2.5 default dev eth0'))).toEqual(['2: Cannot mix IPv4 and IPv6 addresses for route (default)']);
    expect(messages(routes('realms 5 default dev eth0'))).toEqual(['2: Cannot mix IPv4 and IPv6 addresses for route (default)']);
    expect(routes('via 2001:db8::1 default dev eth0').config.static_routes).toEqual([]);
  });

  it('refuses a gateway of the other family than an IPv6-only option', () => {
    expect(messages(routes('default pref high via 192.0.2.1 dev eth0'))).toEqual(['2: Cannot mix IPv4 and IPv6 addresses for route']);
    expect(messages(routes('default src 192.0.2.5 via 2001:db8::1 dev eth0'))).toEqual(['2: Cannot mix IPv4 and IPv6 addresses for route']);
    expect(messages(routes('default via inet 2001:db8::1 dev eth0'))).toEqual(['2: Cannot mix IPv4 and IPv6 addresses for route']);
    expect(messages(routes('default realms 5 expires 10 dev eth0'))).toEqual(['2: expires is only valid for IPv6']);
  });

  it('steps over the word after inet/inet6 as keepalived does', () => {
    // `inet6 default ...` loses `default`; `default inet6 via X` makes X the destination
    expect(messages(routes('inet6 default via 2001:db8::1 dev eth0'))).toEqual(['2: Route must have a destination']);
    const r = routes('default inet6 via 2001:db8::1 dev eth0');
    expect(messages(r)).toEqual([]);
    expect(r.config.static_routes[0]).toMatchObject({ to: '2001:db8::1/128', family: 'inet6' });
  });

  it('looks for the route type in the word before `to`', () => {
    expect(messages(routes('to unicast 192.0.2.0/24 dev eth0'))).toEqual([
      '2: VRRP parsed invalid IP unicast. skipping IP...',
      '2: unknown route keyword unicast',
    ]);
    expect(routes('anycast 192.0.2.0/24 dev eth0').config.static_routes[0]).toMatchObject({ type: 'anycast', to: '192.0.2.0/24' });
  });
});

describe('rule family', () => {
  it('takes the family of the other address for `all`', () => {
    const r = rules('from all to 2001:db8::/32 table 100 preference 100', 'to all iif eth0 table 101 preference 101');
    expect(messages(r)).toEqual([]);
    expect(r.config.static_rules.map((x) => [x.from, x.to, x.family])).toEqual([
      ['all', '2001:db8::/32', 'inet6'],
      [undefined, 'all', 'inet'],
    ]);
  });

  it('refuses `all` after a family was set, as keepalived does', () => {
    expect(messages(rules('to 2001:db8::/32 from all table 100 preference 100'))).toEqual(['2: rule specification has mixed IPv4 and IPv6']);
    expect(messages(rules('from 2001:db8::/32 to all table 100 preference 100'))).toEqual(['2: rule specification has mixed IPv4 and IPv6']);
    expect(messages(rules('realms 5 from all table 100 preference 100'))).toEqual(['2: rule specification has mixed IPv4 and IPv6']);
    expect(rules('to 2001:db8::/32 from all table 100 preference 100').config.static_rules).toEqual([]);
  });

  it('steps over the word after inet/inet6 as keepalived does', () => {
    expect(messages(rules('inet6 from all table 100 preference 100'))).toEqual(['2: Unknown rule option all']);
    expect(messages(rules('from all inet6 table 100 preference 100'))).toEqual(['2: Invalid rule action 100']);
  });
});
