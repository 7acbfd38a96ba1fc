// STUB
export interface IpRuleEntry { from?: string }
