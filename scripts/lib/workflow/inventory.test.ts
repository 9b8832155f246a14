import { GetExecutionHistoryCommand, ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { STATES } from '../../../asl/state-machine';
import { inventoryLines, recentExecutions } from './inventory';

const sfn = new SFNClient({ region: 'us-east-1' });
const mock = mockClient(sfn);
afterAll(() => mock.restore());
beforeEach(() => mock.reset());

const MACHINE = 'arn:aws:states:us-east-1:123456789012:stateMachine:bellflower';
const NAME = '0b5c2a1e-8f3d-4c6b-9a7e-1d2f3e4a5b6c';
const EXECUTION_ID = '7e6d5c4b-3a29-4810-8f7e-6d5c4b3a2918';

describe('list', () => {
  it('shows both UUIDs of an execution: its name and the execution_id processing gave it', async () => {
    mock.on(ListExecutionsCommand).resolves({
      executions: [
        { executionArn: `${MACHINE}:${NAME}`, stateMachineArn: MACHINE, name: NAME, status: 'RUNNING', startDate: new Date('2026-01-01T10:00:00Z') },
        { executionArn: `${MACHINE}:early`, stateMachineArn: MACHINE, name: 'early', status: 'FAILED', startDate: new Date('2026-01-01T09:00:00Z'), stopDate: new Date('2026-01-01T09:01:00Z') },
      ],
    });
    mock.on(GetExecutionHistoryCommand).resolves({ events: [] });
    mock.on(GetExecutionHistoryCommand, { executionArn: `${MACHINE}:${NAME}` }).resolves({
      events: [
        { id: 1, timestamp: new Date(0), type: 'TaskStateExited', stateExitedEventDetails: { name: STATES.processing, output: JSON.stringify({ execution_id: EXECUTION_ID, info: [] }) } },
      ],
    });
    const executions = await recentExecutions(sfn, MACHINE, 2);
    expect(mock.commandCalls(ListExecutionsCommand)[0]!.args[0].input).toEqual({ stateMachineArn: MACHINE, maxResults: 2 });
    expect(executions).toEqual([
      { name: NAME, executionId: EXECUTION_ID, status: 'RUNNING', startDate: '2026-01-01T10:00:00.000Z' },
      { name: 'early', status: 'FAILED', startDate: '2026-01-01T09:00:00.000Z', stopDate: '2026-01-01T09:01:00.000Z' },
    ]);
    expect(inventoryLines([{ environment: 'devl', region: 'us-east-1', stacks: [{ role: 'root', name: 'root', status: 'CREATE_COMPLETE' }], stateMachineArn: MACHINE, executions }])).toEqual([
      'devl (us-east-1)',
      '  root   root  CREATE_COMPLETE',
      '  recent executions (name, execution_id, status, start):',
      `    ${NAME}  ${EXECUTION_ID}  RUNNING    2026-01-01T10:00:00.000Z`,
      `    early  ${'-'.padEnd(36)}  FAILED     2026-01-01T09:00:00.000Z`,
    ]);
  });

  it('fails naming the state machine when its executions cannot be listed', async () => {
    mock.on(ListExecutionsCommand).rejects(Object.assign(new Error('State Machine Does Not Exist'), { name: 'StateMachineDoesNotExist' }));
    await expect(recentExecutions(sfn, MACHINE, 5)).rejects.toThrow(`cannot list the executions of ${MACHINE}: State Machine Does Not Exist`);
  });
});
