/**
 * `deploy --no-execute` then `deploy --change-set <name>` against moto's CloudFormation (cross
 * stack; the root stack cannot run on moto 5, see stacks.test.ts): the change set is kept, the root
 * is not attempted while the cross stack's exports do not exist, and the kept change set runs later.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MotoServer } from '../../../test/support/moto';
import { requireTool } from '../../../test/support/tools';
import type { AwsClients } from '../core/aws';
import type { BellflowerConfig } from '../core/config';
import { deploy } from './deploy';
import { diffKeptChangeSets } from './diff';
import { publish, publishOptions } from './publish';
import { recordingReporter } from '../../../test/support/reporter';
import { describeStack } from './stacks';
import { writeFakeBuild } from '../../../test/support/fake-build';
import { startMotoEnvironment } from '../../../test/support/moto-environment';

describe.runIf(requireTool('moto_server'))('kept change sets against moto (cross stack)', () => {
  let moto: MotoServer;
  let clients: AwsClients;
  let config: BellflowerConfig;
  let distDir: string;
  beforeAll(async () => {
    ({ moto, clients, config } = await startMotoEnvironment());
    distDir = writeFakeBuild();
    await publish(publishOptions({ config, clients, distDir, tlsOnlyPolicy: false }));
  });
  afterAll(async () => {
    await moto?.stop();
    if (distDir) rmSync(distDir, { recursive: true, force: true });
  });

  it('keeps the change set of a new environment, executes it later by name, and changes nothing in between', async () => {
    const reporter = recordingReporter();
    const name = 'bellflower-review-1';

    const kept = await deploy({ config, clients, distDir, reporter, pollSeconds: 0.2, changeSets: { execute: false, changeSetName: name } });

    expect(kept.cross).toMatchObject({ action: 'change-set-kept', changeSetName: name });
    expect(kept.root).toBeUndefined();
    expect(kept.outputsFile).toBeUndefined();
    expect(reporter.lines).toEqual([
      expect.stringMatching(/^preflight ok: /),
      `${config.crossStackName}: change set ${name} created and kept (not executed)`,
      `${config.rootStackName}: no change set yet: it imports the exports of ${config.crossStackName}, which exist once its change set is executed`,
    ]);
    expect((await describeStack(clients.cloudFormation, config.crossStackName))?.StackStatus).toBe('REVIEW_IN_PROGRESS');
    const shown = await diffKeptChangeSets({ config, clients, changeSetName: name });
    expect(shown.map((diff) => [diff.stackName, diff.status])).toEqual([
      [config.crossStackName, 'new'],
      [config.rootStackName, 'no-change-set'],
    ]);
    expect(shown[0]!.changes.map((change) => `${change.action} ${change.logicalId}`)).toEqual(
      expect.arrayContaining(['Add FolderRole', 'Add FolderFunction']),
    );

    const executed = await deploy({ config, clients, distDir, reporter, pollSeconds: 0.2, crossOnly: true, changeSets: { existingChangeSet: name } });

    expect(executed.cross).toMatchObject({ action: 'created', changeSetName: name });
    expect((await describeStack(clients.cloudFormation, config.crossStackName))?.StackStatus).toBe('CREATE_COMPLETE');
  });
});
