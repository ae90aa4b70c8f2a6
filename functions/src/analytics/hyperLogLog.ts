import { createHash } from 'node:crypto';

/** 2^precision registers: 2^13 gives a standard error of 1.04/sqrt(8192), about 1.15%. */
const precision = 13;
const registerCount = 1 << precision;

/**
 * A HyperLogLog sketch of distinct ids (Flajolet et al., 2007, with the linear-counting correction
 * for small counts). Its size is fixed, 8 KiB of registers, whatever the number of ids, and two
 * sketches merge by taking each register's maximum, so minutes add up to an hour.
 */
export class HyperLogLog {
  private constructor(private readonly registers: Uint8Array) {}

  static empty(): HyperLogLog {
    return new HyperLogLog(new Uint8Array(registerCount));
  }

  /** From {@link HyperLogLog.serialize}; an empty sketch for anything else. */
  static parse(text: string | undefined): HyperLogLog {
    const bytes = text ? Buffer.from(text, 'base64') : Buffer.alloc(0);
    return bytes.length === registerCount
      ? new HyperLogLog(new Uint8Array(bytes))
      : HyperLogLog.empty();
  }

  add(id: string): void {
    const digest = createHash('sha256').update(id).digest();
    const high = digest.readUInt32BE(0);
    const low = digest.readUInt32BE(4);
    const index = high >>> (32 - precision);
    // The rank: leading zeros of the 32 hash bits after the index, plus one.
    const rank = Math.clz32(low) + 1;
    if (rank > (this.registers[index] ?? 0)) this.registers[index] = rank;
  }

  merge(other: HyperLogLog): void {
    for (let i = 0; i < registerCount; i++)
      this.registers[i] = Math.max(this.registers[i] ?? 0, other.registers[i] ?? 0);
  }

  estimate(): number {
    let sum = 0;
    let zeros = 0;
    for (const register of this.registers) {
      sum += 2 ** -register;
      if (register === 0) zeros++;
    }
    const alpha = 0.7213 / (1 + 1.079 / registerCount);
    const raw = (alpha * registerCount * registerCount) / sum;
    // Small counts: linear counting over the empty registers is the better estimate.
    if (raw <= 2.5 * registerCount && zeros > 0)
      return Math.round(registerCount * Math.log(registerCount / zeros));
    return Math.round(raw);
  }

  /** Base64 of the registers: 10,924 characters, about 21 KiB as a Table property. */
  serialize(): string {
    return Buffer.from(this.registers).toString('base64');
  }
}
