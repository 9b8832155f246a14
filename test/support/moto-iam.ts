/**
 * IAM enforcement on a moto server: an administrator for the test's own set-up, and one IAM user
 * per principal carrying exactly the policies given (the synthesized ones), whose credentials the
 * code under test uses. Moto checks identity policies (actions and resources) for every request
 * once enforcement is on; it evaluates no resource policy and no KMS use (the IAM simulator test
 * covers those).
 */
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  DeleteUserPolicyCommand,
  IAMClient,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import type { PolicyDocument } from '../../templates/iam-contract';
import type { MotoServer } from './moto';

/** moto's default account. */
export const MOTO_ACCOUNT = '123456789012';

/** Client settings with the credentials of one moto IAM user. */
export type MotoClientConfig = MotoServer['clientConfig'];

/** An IAM user standing in for a role: its policies can be attached and detached as the stacks would. */
export interface MotoPrincipal {
  readonly userName: string;
  readonly clientConfig: MotoClientConfig;
  attach(name: string, policy: PolicyDocument): Promise<void>;
  detach(name: string): Promise<void>;
}

/** What {@link enforceIam} returns. */
export interface MotoIam {
  /** Credentials allowed everything, for the test's own set-up and checks. */
  readonly admin: MotoClientConfig;
  /** A user with the given policies (more can be attached later). */
  principal(userName: string, policies: readonly { name: string; policy: PolicyDocument }[]): Promise<MotoPrincipal>;
}

async function createUser(iam: IAMClient, moto: MotoServer, userName: string): Promise<MotoClientConfig> {
  await iam.send(new CreateUserCommand({ UserName: userName }));
  const key = (await iam.send(new CreateAccessKeyCommand({ UserName: userName }))).AccessKey!;
  return { ...moto.clientConfig, credentials: { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! } };
}

/**
 * Creates an administrator, then switches enforcement on (moto's `reset-auth`: no request after it
 * is let through unchecked). Call it before the test's own set-up and use `admin` for that.
 */
export async function enforceIam(moto: MotoServer): Promise<MotoIam> {
  const iam = new IAMClient(moto.clientConfig);
  const admin = await createUser(iam, moto, 'test-administrator');
  await iam.send(
    new PutUserPolicyCommand({
      UserName: 'test-administrator',
      PolicyName: 'everything',
      PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }),
    }),
  );
  const response = await fetch(`${moto.endpoint}/moto-api/reset-auth`, { method: 'POST', body: '0' });
  if (!response.ok) throw new Error(`moto did not switch IAM enforcement on: HTTP ${response.status}`);
  const adminIam = new IAMClient(admin);
  return {
    admin,
    async principal(userName, policies) {
      const clientConfig = await createUser(adminIam, moto, userName);
      const principal: MotoPrincipal = {
        userName,
        clientConfig,
        async attach(name, policy) {
          await adminIam.send(new PutUserPolicyCommand({ UserName: userName, PolicyName: name, PolicyDocument: JSON.stringify(policy) }));
        },
        async detach(name) {
          await adminIam.send(new DeleteUserPolicyCommand({ UserName: userName, PolicyName: name }));
        },
      };
      for (const { name, policy } of policies) await principal.attach(name, policy);
      return principal;
    },
  };
}
