/**
 * The bytes of a simulated recording: silence of the recorded length in the recording's format,
 * 8 kHz like Asterisk's narrowband formats. A WAV gets its RIFF header (16-bit PCM mono), so
 * players and `sox` read it and its length gives the duration back.
 */

const RATE = 8000;

/** Content types as a browser or player expects them; unknown formats are plain bytes. */
const CONTENT_TYPES: Record<string, string> = {
  wav: 'audio/wav',
  wav16: 'audio/wav',
  gsm: 'audio/gsm',
  ulaw: 'audio/basic',
  alaw: 'audio/x-alaw-basic',
  ogg: 'audio/ogg',
  mp3: 'audio/mpeg',
};

export const audioContentType = (format: string): string => CONTENT_TYPES[format] ?? 'application/octet-stream';

/** Bytes per second of the raw formats; GSM packs 160 samples into 33 bytes. */
const BYTES_PER_SECOND: Record<string, number> = { ulaw: RATE, alaw: RATE, sln: RATE * 2, sln16: RATE * 4, g722: RATE, g729: RATE / 8, gsm: (RATE / 160) * 33 };
/** Silence in the companded formats is not the zero byte. */
const SILENCE_BYTE: Record<string, number> = { ulaw: 0xff, alaw: 0xd5 };

export function silentAudio(format: string, durationS: number): { contentType: string; data: Buffer } {
  const contentType = audioContentType(format);
  if (format === 'wav' || format === 'wav16') return { contentType, data: wav(format === 'wav16' ? RATE * 2 : RATE, durationS) };
  const data = Buffer.alloc(Math.round((BYTES_PER_SECOND[format] ?? RATE) * durationS), SILENCE_BYTE[format] ?? 0);
  return { contentType, data };
}

function wav(sampleRate: number, durationS: number): Buffer {
  const dataBytes = sampleRate * 2 * durationS;
  const b = Buffer.alloc(44 + dataBytes);
  b.write('RIFF', 0, 'ascii');
  b.writeUInt32LE(36 + dataBytes, 4);
  b.write('WAVE', 8, 'ascii');
  b.write('fmt ', 12, 'ascii');
  b.writeUInt32LE(16, 16); // fmt chunk size
  b.writeUInt16LE(1, 20); // PCM
  b.writeUInt16LE(1, 22); // mono
  b.writeUInt32LE(sampleRate, 24);
  b.writeUInt32LE(sampleRate * 2, 28); // byte rate
  b.writeUInt16LE(2, 32); // block align
  b.writeUInt16LE(16, 34); // bits per sample
  b.write('data', 36, 'ascii');
  b.writeUInt32LE(dataBytes, 40);
  return b;
}
