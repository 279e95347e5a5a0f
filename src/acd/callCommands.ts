/**
 * Commands on queue calls from the HTTP layer (supervisors, integrations): change a waiting
 * caller's priority, withdraw a caller from the queue (it continues in the dialplan with
 * QUEUESTATUS=WITHDRAW), hang a call up. Each goes through the call's lock like every ARI event.
 */
import type { CallSnapshot } from '../domain/call.js';
import { AcdError } from '../domain/errors.js';
import { isPbxError } from '../pbx/port.js';
import type { AcdContext } from './context.js';

export interface CallCommands {
  setPriority(callId: string, priority: number, opts: { by: string }): Promise<CallSnapshot>;
  withdraw(callId: string, opts: { by: string }): Promise<void>;
  hangup(callId: string, opts: { by: string }): Promise<void>;
}

async function callOrThrow(ctx: AcdContext, callId: string): Promise<CallSnapshot> {
  const call = await ctx.store.getCall(callId);
  if (!call) throw new AcdError('call_not_found', `no active call '${callId}'`, { field: 'callId' });
  return call;
}

/** Hang-up only; setPriority and withdraw are added with full routing / queue exits. */
export function createHangupCommand(ctx: AcdContext): Pick<CallCommands, 'hangup'> {
  return {
    async hangup(callId, { by }) {
      const call = await callOrThrow(ctx, callId);
      ctx.logger.info({ callId, by }, 'call hung up by command');
      // StasisEnd then ends the call through the normal path (abandon / complete).
      try {
        await ctx.pbx.hangup(call.callerChannel);
      } catch (err) {
        if (!isPbxError(err, 'not_found')) throw err;
      }
    },
  };
}
