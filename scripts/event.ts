/**
 * `bellflower event <kind>`: prints a sample event of the shape a function of the workflow
 * receives (SQS, S3, CloudFormation custom resource, Step Functions task input), for
 * `bellflower invoke`, as `sam local generate-event` does.
 */
import { Option } from 'commander';
import { type BellflowerCommand } from './cli/command';

interface EventFlags {
  readonly executionId?: string;
  readonly bucket?: string;
  readonly region?: string;
  readonly requestType?: 'Create' | 'Update' | 'Delete';
}

/** `bellflower event`. */
export const command: BellflowerCommand<EventFlags> = {
  name: 'event',
  options: (command) =>
    command
      .description('Print a sample event (JSON) of the shape a function of the workflow receives, for `bellflower invoke --event -`')
      .argument('<kind>', 'sqs, s3, cfn-folders, cfn-notification or step-functions')
      .option('--execution-id <uuid>', 'the execution UUID in the task token message and the inbound key (default: a fresh one)')
      .option('--bucket <name>', 'the integration bucket (default bellflower-integration-devl-<region>)')
      .option('--region <region>', 'the region in ARNs and records (default us-east-1)')
      .addOption(new Option('--request-type <type>', 'the custom resource request (cfn-* kinds)').choices(['Create', 'Update', 'Delete']))
      .addHelpText(
        'after',
        [
          '',
          'Kinds (and the function that receives them):',
          '  sqs               integration: one message carrying {"Input": ..., "TaskToken": ...}, as the state machine sends it',
          '  s3                integration: ObjectCreated:Put of inbound/<uuid>/success.json',
          '  cfn-folders       s3Folders: Create, Update or Delete of the folders custom resource',
          '  cfn-notification  s3Notification: Create, Update or Delete of the notification custom resource',
          '  step-functions    processing: the task input (the execution input)',
          'Example: bellflower event s3 | bellflower invoke integration --event - --env-var S3_BUCKET_NAME=<bucket>',
        ].join('\n'),
      ),
  run: async ({ flags, args }) => {
    const { sampleEvent, isEventKind, EVENT_KINDS } = await import('./lib/local/sample-events');
    const { UsageError } = await import('./lib/core/errors');
    const { isExecutionId } = await import('../handlers/shared/execution-id');
    const kind = args[0]!;
    if (!isEventKind(kind)) throw new UsageError(`unknown event kind "${kind}": one of ${Object.keys(EVENT_KINDS).join(', ')}`);
    if (flags.executionId !== undefined && !isExecutionId(flags.executionId)) throw new UsageError(`--execution-id must be a UUID such as 0b5c2a1e-8f3d-4c6b-9a7e-1d2f3e4a5b6c, got "${flags.executionId}"`);
    if (flags.requestType !== undefined && !kind.startsWith('cfn-')) throw new UsageError(`--request-type applies to the cfn-folders and cfn-notification kinds, not ${kind}`);
    const event = sampleEvent(kind, {
      ...(flags.executionId !== undefined ? { executionId: flags.executionId } : {}),
      ...(flags.bucket !== undefined ? { bucket: flags.bucket } : {}),
      ...(flags.region !== undefined ? { region: flags.region } : {}),
      ...(flags.requestType !== undefined ? { requestType: flags.requestType } : {}),
    });
    console.log(JSON.stringify(event, null, 2));
  },
};
