import { describe, expect, it } from 'vitest';
import { sampleConfig } from '../../../test/support/config';
import { checkBusinessApplicationTrust, principalAccount } from './preflight';

const ACCOUNT = '111122223333';
const config = sampleConfig({ environment: 'prod' });

describe('the business application\'s trust (deploy preflight)', () => {
  it('rejects a principal of another account without an external id, naming both accounts and both fixes', () => {
    for (const principal of ['444455556666', 'arn:aws:iam::444455556666:role/partner', 'arn:aws-cn:iam::444455556666:root']) {
      expect(checkBusinessApplicationTrust(config, { BusinessApplicationPrincipal: principal, BusinessApplicationExternalId: '' }, ACCOUNT)).toEqual([
        expect.stringMatching(
          new RegExp(
            `^BusinessApplicationPrincipal ${principal.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is in account 444455556666, not this account ${ACCOUNT}, and BusinessApplicationExternalId is empty: .*pass --parameter BusinessApplicationExternalId=<id>, or, if account 444455556666 is yours, set "allowBusinessApplicationWithoutExternalId": true in config/prod.json$`,
          ),
        ),
      ]);
    }
  });

  it('accepts an external id, the explicit opt-in, a principal of this account, or none', () => {
    const other = { BusinessApplicationPrincipal: '444455556666' };
    expect(checkBusinessApplicationTrust(config, { ...other, BusinessApplicationExternalId: 'acme-bellflower-prod' }, ACCOUNT)).toEqual([]);
    expect(checkBusinessApplicationTrust({ ...config, allowBusinessApplicationWithoutExternalId: true }, other, ACCOUNT)).toEqual([]);
    expect(checkBusinessApplicationTrust(config, { BusinessApplicationPrincipal: `arn:aws:iam::${ACCOUNT}:role/app` }, ACCOUNT)).toEqual([]);
    expect(checkBusinessApplicationTrust(config, { BusinessApplicationPrincipal: '' }, ACCOUNT)).toEqual([]);
    expect(checkBusinessApplicationTrust(config, {}, ACCOUNT)).toEqual([]);
  });

  it('reads the account of an account id or an IAM ARN', () => {
    expect(principalAccount('444455556666')).toBe('444455556666');
    expect(principalAccount('arn:aws-us-gov:iam::444455556666:user/x')).toBe('444455556666');
    expect(principalAccount('not-a-principal')).toBeUndefined();
  });
});
