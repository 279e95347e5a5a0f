/**
 * Commands on queue calls from the HTTP layer (supervisors, integrations): change a waiting
 * caller's priority, withdraw a caller from the queue (it continues in the dialplan with
 * QUEUESTATUS=WITHDRAW), hang a call up. Each goes through the call's lock like every ARI event.
 */
import type { CallSnapshot } from '../domain/call.js';
import { AcdError } from '../domain/errors.js';
import { isPbxError } from '../pbx/port.js';
import type { AcdContext } from './context.js';
import { exitQueue } from './queueExit.js';

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

/** Withdraw: the caller leaves the queue alive and continues in the dialplan with QUEUESTATUS=WITHDRAW. */
export function createWithdrawCommand(ctx: AcdContext): Pick<CallCommands, 'withdraw'> {
  return {
    async withdraw(callId, { by }) {
      await ctx.locks.run(callId, async () => {
        const call = await callOrThrow(ctx, callId);
        if (call.state === 'connected') {
          throw new AcdError('invalid_state', `call ${callId} is connected to an agent: only a queued caller can be withdrawn`, { field: 'callId' });
        }
        ctx.logger.info({ callId, by }, 'caller withdrawn by command');
        if (!(await exitQueue(ctx, callId, 'WITHDRAW'))) throw new AcdError('invalid_state', `call ${callId} is no longer in a queue`, { field: 'callId' });
      });
    },
  };
}

/**
 * New priority for a queued caller (the store keeps its arrival order within the new band).
 * Written with queue exits so the engine could expose every command; routing owns its rules.
 */
export function createPriorityCommand(ctx: AcdContext): Pick<CallCommands, 'setPriority'> {
  return {
    setPriority: (callId, priority, { by }) =>
      ctx.locks.run(callId, async () => {
        await ctx.store.setPriority(callId, priority);
        ctx.logger.info({ callId, priority, by }, 'caller priority changed by command');
        const call = await callOrThrow(ctx, callId);
        ctx.kick({ queue: call.queue });
        return call;
      }),
  };
}

/** Every call command: the engine exposes them as `engine.calls`. */
export function createCallCommands(ctx: AcdContext): CallCommands {
  return { ...createHangupCommand(ctx), ...createWithdrawCommand(ctx), ...createPriorityCommand(ctx) };
}
