/**
 * Events older versions wrote are read in today's shape, so a restart after an upgrade replays
 * its stream (SSE resume, queue_log export, statistics) as if written now. Older CallControl
 * events carried their details as one text, `detail`:
 *   hold / retrieve / mute / unmute   ''
 *   dtmf                              `<digits>` | `received <digit>`
 *   consult (on the queue call)       `dialing agent:<id>` | `dialing queue:<id>` | `dialing extension:<n>` | queued | connected | failed | cancelled | ended
 *   conference                        `agent:<id>` | `queue:<id>` | `extension:<n>`
 *   monitor                           monitor | whisper | barge | ended | `failed <DIALSTATUS>`
 *   transfer                          `<mode>:<target>`
 *   recording                         `started <name>` | `stopped <name>` | `paused <name>` | `resumed <name>`
 *   a control call's kind             dialing | ringing | queued | connected | `connected agent:<id>` | ended | gone |
 *                                     hold | retrieve | mute | unmute | `dtmf <digits>` | `dtmf received <d>` | `failed <DIALSTATUS>`
 * This is the one place that reads that text.
 */
import type { AcdEvent, CallControlDetail, CallControlEvent, ControlCallStep, DtmfDetail, TransferMode } from '../domain/events.js';
import { consultTargetFromText } from './controlCallCodec.js';

type LegacyCallControl = { type: 'CallControl'; ts: number; callId: string; agentId: string; action: string; detail: string; by: string };

const dtmfOf = (text: string): DtmfDetail => (text.startsWith('received ') ? { digits: text.slice(9), direction: 'received' } : { digits: text, direction: 'sent' });

/** `<word> <rest>` → [word, rest]; a text without a space → [text, '']. */
function split(text: string): [string, string] {
  const space = text.indexOf(' ');
  return space < 0 ? [text, ''] : [text.slice(0, space), text.slice(space + 1)];
}

function controlCallStep(detail: string): ControlCallStep {
  const [word, rest] = split(detail);
  if (word === 'failed') return { step: 'failed', dialStatus: rest };
  if (word === 'dtmf') return { step: 'dtmf', ...dtmfOf(rest) };
  if (word === 'connected' && rest.startsWith('agent:')) return { step: 'connected', answeredBy: rest.slice(6) };
  return { step: word } as ControlCallStep;
}

function detailOf(action: string, detail: string): CallControlDetail {
  const [word, rest] = split(detail);
  switch (action) {
    case 'hold':
    case 'retrieve':
    case 'mute':
    case 'unmute':
      return { action };
    case 'dtmf':
      return { action, ...dtmfOf(detail) };
    case 'conference':
      return { action, target: consultTargetFromText(detail) ?? { extension: detail } };
    case 'monitor':
      return word === 'failed' ? { action, step: 'failed', dialStatus: rest } : ({ action, step: detail } as CallControlDetail);
    case 'transfer': {
      const colon = detail.indexOf(':');
      return { action, mode: detail.slice(0, colon) as TransferMode, target: detail.slice(colon + 1) };
    }
    case 'recording':
      return { action, step: word as 'started', name: rest };
    case 'consult': {
      // On the queue call `dialing <target>`; the consult's own record says `dialing` alone.
      const target = word === 'dialing' ? consultTargetFromText(rest) : undefined;
      return target ? { action, step: 'dialing', target } : { action, ...controlCallStep(detail) };
    }
    default:
      return { action: action as 'outbound', ...controlCallStep(detail) };
  }
}

/** An event as stored, in today's shape (events already in it pass through unchanged). */
export function currentEvent(stored: AcdEvent | LegacyCallControl): AcdEvent {
  if (stored.type !== 'CallControl' || !('detail' in stored) || typeof stored.detail !== 'string') return stored as AcdEvent;
  const { detail, action, ...rest } = stored;
  return { ...rest, ...detailOf(action, detail) } as CallControlEvent & { ts: number };
}
