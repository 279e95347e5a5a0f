/**
 * The one id-prefix module: prefixes tell ids apart without ambiguity, builders and recognisers
 * agree, and no other TypeScript file in src spells a prefix (the Lua gets them from the
 * generated keys.lua include).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ID_PREFIXES,
  callIdOfConsultRecord,
  callIdOfParkRecord,
  callbackLegId,
  consultCallId,
  consultRecordId,
  isCallbackLeg,
  isConsultCall,
  parkRecordId,
} from '../../src/domain/idPrefixes.js';

const SRC = new URL('../../src/', import.meta.url).pathname;

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'sim' ? [] : tsFiles(path); // the simulator plays the PBX, not the engine
    return name.endsWith('.ts') ? [path] : [];
  });
}

describe('id prefixes', () => {
  it('no prefix starts another one, so each id has one meaning', () => {
    const prefixes = Object.values(ID_PREFIXES);
    expect(new Set(prefixes).size).toBe(prefixes.length);
    for (const a of prefixes) for (const b of prefixes) if (a !== b) expect(b.startsWith(a), `${b} starts with ${a}`).toBe(false);
  });

  it('recognises what it builds, and nothing else', () => {
    expect(callIdOfParkRecord(parkRecordId('c1'))).toBe('c1');
    expect(callIdOfParkRecord(consultRecordId('c1'))).toBeUndefined();
    expect(callIdOfConsultRecord(consultRecordId('c1'))).toBe('c1');
    expect(isConsultCall(consultCallId('u'))).toBe(true);
    expect(isConsultCall('c1')).toBe(false);
    expect(isCallbackLeg(callbackLegId('u'))).toBe(true);
    expect(isCallbackLeg(consultCallId('u'))).toBe(false);
  });

  it('no other file in src spells a prefix in a string (comments and escaped doc text aside)', () => {
    const quoted = Object.values(ID_PREFIXES).map((p) => new RegExp(`(?<!\\\\)['"\`]${p.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&')}`));
    const found = tsFiles(SRC)
      .filter((file) => !file.endsWith('domain/idPrefixes.ts'))
      .flatMap((file) =>
        readFileSync(file, 'utf8')
          .split('\n')
          .flatMap((line, i) => (!/^\s*(\/?\*|\/\/)/.test(line) && quoted.some((re) => re.test(line)) ? [`${relative(SRC, file)}:${i + 1}: ${line.trim()}`] : [])),
      );
    expect(found).toEqual([]);
  });
});
