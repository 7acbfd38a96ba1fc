/**
 * Generic netlink (linux/genetlink.h): the 4-byte genl header and the controller's
 * CTRL_CMD_GETFAMILY request and reply. Pure: bytes in, objects out.
 */
import { decodeAttributes, encodeAttributes, readAsciiz, asciiz, type Attribute } from './codec.js';

/** The controller family's fixed id. */
export const GENL_ID_CTRL = 0x10;
export const CTRL_CMD_GETFAMILY = 3;
export const CTRL_ATTR_FAMILY_ID = 1;
export const CTRL_ATTR_FAMILY_NAME = 2;
export const CTRL_ATTR_VERSION = 3;
export const CTRL_ATTR_MAXATTR = 5;
export const GenlHeaderLength = 4;

export interface GenlMessage {
  cmd: number;
  version: number;
  attributes: Attribute[];
}

/** genlmsghdr { u8 cmd; u8 version; u16 reserved } followed by the attributes. */
export function encodeGenl(cmd: number, version: number, attributes: Uint8Array): Uint8Array {
  const out = new Uint8Array(GenlHeaderLength + attributes.length);
  out[0] = cmd;
  out[1] = version;
  out.set(attributes, GenlHeaderLength);
  return out;
}

/** The genl header and top-level attributes of a netlink payload; null when too short. */
export function decodeGenl(payload: Uint8Array): GenlMessage | null {
  if (payload.length < GenlHeaderLength) return null;
  return { cmd: payload[0]!, version: payload[1]!, attributes: decodeAttributes(payload.subarray(GenlHeaderLength)) };
}

export function getFamilyRequest(name: string): Uint8Array {
  return encodeGenl(CTRL_CMD_GETFAMILY, 1, encodeAttributes([{ type: CTRL_ATTR_FAMILY_NAME, data: asciiz(name) }]));
}

export interface GenlFamily {
  id: number;
  name: string;
  version: number;
  maxAttribute: number;
}

/** The controller's answer to CTRL_CMD_GETFAMILY; null when it carries no family id. */
export function decodeFamily(payload: Uint8Array): GenlFamily | null {
  const m = decodeGenl(payload);
  if (!m) return null;
  const family: GenlFamily = { id: -1, name: '', version: 0, maxAttribute: 0 };
  for (const a of m.attributes) {
    const b = Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength);
    switch (a.type & 0x3fff) {
      case CTRL_ATTR_FAMILY_ID:
        if (b.length >= 2) family.id = b.readUInt16LE(0);
        break;
      case CTRL_ATTR_FAMILY_NAME:
        family.name = readAsciiz(a.data);
        break;
      case CTRL_ATTR_VERSION:
        if (b.length >= 4) family.version = b.readUInt32LE(0);
        break;
      case CTRL_ATTR_MAXATTR:
        if (b.length >= 4) family.maxAttribute = b.readUInt32LE(0);
        break;
    }
  }
  return family.id < 0 ? null : family;
}
