/**
 * The commands that need no AWS, through the binary as a user runs them: `build` (the zips and
 * their manifest), `capacity --defaults` (the model without the Service Quotas API) and
 * `deployer-policy --account` (the policy from the configuration alone, no credentials), and the
 * refusal of `deployer-policy` without an account and without credentials, and `sync`'s refusal of a
 * production environment from its configuration alone.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bellflower } from '../test/support/bellflower-cli';

const dir = mkdtempSync(join(tmpdir(), 'bellflower-offline-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
/** No credentials anywhere: a file that does not exist stands for ~/.aws. */
const noAws = { AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none'), AWS_CONFIG_FILE: join(dir, 'none'), AWS_EC2_METADATA_DISABLED: 'true' };

describe('bellflower build | capacity | deployer-policy, without AWS', () => {
  it('builds the four handler zips and their manifest into --out', async () => {
    const out = join(dir, 'dist');
    const result = await bellflower(['build', '--out', out]);
    expect(result.code, result.stderr).toBe(0);
    const manifest = JSON.parse(readFileSync(join(out, 'code', 'manifest.json'), 'utf8')) as Record<string, unknown>;
    for (const zip of ['processing_lambda.zip', 'integration_lambda.zip', 's3_folders_lambda.zip', 's3_notification_lambda.zip']) {
      expect(existsSync(join(out, 'code', zip)), zip).toBe(true);
      expect(JSON.stringify(manifest)).toContain(zip.replace('.zip', ''));
    }
  });

  it('prints the capacity model from the documented default quotas, as JSON', async () => {
    const result = await bellflower(['capacity', '--defaults', '--rate', '10', '--region', 'us-east-1', '--json'], noAws);
    expect(result.code, result.stderr).toBe(0);
    const model = JSON.parse(result.stdout) as { rate: number; region: string; quotas: unknown[] };
    expect(model).toMatchObject({ rate: 10, region: 'us-east-1' });
    expect(model.quotas.length).toBeGreaterThan(3);
  });

  it('writes the deployer policy for a given account without any credentials', async () => {
    const out = join(dir, 'policy');
    const result = await bellflower(['deployer-policy', '--account', '123456789012', '--region', 'us-east-1', '--dist', out], noAws);
    expect(result.code, result.stderr).toBe(0);
    const policy = JSON.parse(result.stdout) as { Statement: { Resource: string | string[] }[] };
    expect(JSON.parse(readFileSync(join(out, 'iam', 'deployer-policy-devl.json'), 'utf8'))).toEqual(policy);
    expect(JSON.stringify(policy.Statement)).toContain(':123456789012:');
    expect(result.stderr).not.toMatch(/credentials/i);
  });

  it('fails without --account when there are no credentials to ask STS, naming the fix', async () => {
    const result = await bellflower(['deployer-policy', '--region', 'us-east-1', '--dist', join(dir, 'refused')], noAws);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^deployer-policy: no AWS credentials .*run `aws configure`/m);
    expect(existsSync(join(dir, 'refused', 'iam'))).toBe(false);
  });

  it('rejects sync on a production environment from its configuration, before asking for credentials', async () => {
    const result = await bellflower(['sync', '--env', 'prod'], noAws);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^sync: refused: prod is a production environment/m);
    expect(result.stderr).not.toMatch(/credentials/i);
  });
});
