/**
 * Every parameter of every template, defined once: the root stack and the nested stacks that
 * receive a value declare it with the same type, default and constraints (docs/original.md sections
 * 2-4). Each template lists the names it uses; {@link parameters} turns the list into the
 * `Parameters` section and `AWS::CloudFormation::Interface` labels.
 */
import { ENVIRONMENT_NAME, LAMBDA_HANDLER, LAMBDA_RUNTIME } from './names';
import { DEFAULT_KEY_PREFIX } from './layout';

/** A CloudFormation parameter with its console label. */
export interface ParameterDefinition {
  readonly Type: 'String' | 'Number' | 'CommaDelimitedList';
  readonly Description: string;
  readonly Default?: string | number;
  readonly AllowedValues?: readonly (string | number)[];
  readonly AllowedPattern?: string;
  readonly MinLength?: number;
  readonly MaxLength?: number;
  readonly MinValue?: number;
  readonly MaxValue?: number;
  readonly ConstraintDescription?: string;
  /** Console label (`AWS::CloudFormation::Interface` ParameterLabels). */
  readonly label: string;
}

/**
 * Lambda and IAM physical names get `-<Environment>-<Region>` appended. The original's limits (43,
 * 40 for the integration bucket, 29 for ProjectName) stay as a coarse guard: they admit the
 * original's defaults with every environment name. The exact check is the preflight's
 * (`checkPhysicalNames` in scripts/lib/deployment/preflight.ts), which knows the environment's
 * name and region and refuses a name over its AWS limit before any AWS call.
 */
const NAME_MAX_WITH_SUFFIX = 43;

/** IAM's pattern for role and policy names (https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html). */
const IAM_NAME = { AllowedPattern: '^[\\w+=,.@-]+$', ConstraintDescription: 'letters, digits and +=,.@_- (IAM names)' } as const;

/** CloudFormation's stack name pattern. */
const STACK_NAME = { AllowedPattern: '^[A-Za-z][A-Za-z0-9-]*$', ConstraintDescription: 'a CloudFormation stack name' } as const;

const text = (
  label: string,
  Description: string,
  min: number,
  max: number,
  extra: Partial<ParameterDefinition> = {},
): ParameterDefinition => ({ Type: 'String', Description, MinLength: min, MaxLength: max, label, ...extra });

const num = (label: string, Description: string, Default: number, MinValue: number, MaxValue: number): ParameterDefinition => ({
  Type: 'Number',
  Description,
  Default,
  MinValue,
  MaxValue,
  label,
});

const flag = (label: string, Description: string): ParameterDefinition => ({
  Type: 'String',
  Description,
  Default: 'true',
  AllowedValues: ['true', 'false'],
  label,
});

/**
 * A public access block flag of the integration bucket: kept as a parameter (the original's
 * contract) but only `true` is accepted: the bucket holds live task tokens.
 */
const alwaysTrue = (label: string, Description: string): ParameterDefinition => ({
  ...flag(label, `${Description} Always true: the bucket holds live task tokens.`),
  AllowedValues: ['true'],
  ConstraintDescription: 'must be true: the integration bucket holds live task tokens, public access stays blocked; remove the parameter from the configuration',
});

const codeKey = (label: string, what: string): ParameterDefinition =>
  text(label, `S3 key of the ${what} zip in the artifact bucket (content-addressed, set by deploy).`, 10, 100, {
    AllowedPattern: '^[a-zA-Z0-9!_.*()/-]+\\.zip$',
    ConstraintDescription: 'an S3 key ending in .zip',
  });

/** Values CloudWatch Logs accepts for RetentionInDays. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/** The parameter catalog, keyed by parameter name. */
export const PARAMETERS = {
  // 29: "<ProjectName>-s3-folders-cr-<Environment>-<Region>" must fit Lambda's and IAM's 64 (the preflight checks the exact length).
  ProjectName: text('Project Name', 'Project name, used in tags and custom-resource function names.', 5, 29, {
    Default: 'bellflower',
    AllowedPattern: '^[a-z]+$',
    ConstraintDescription: '5 to 29 lowercase letters',
  }),
  Environment: {
    Type: 'String',
    Description: 'Environment; part of every physical name (<base>-<Environment>-<Region>).',
    Default: 'devl',
    // Any configured name (config/<name>.json), no longer one of devl, test, prod: docs/differences.md.
    AllowedPattern: ENVIRONMENT_NAME.pattern,
    MinLength: 1,
    MaxLength: ENVIRONMENT_NAME.maxLength,
    ConstraintDescription: ENVIRONMENT_NAME.rule,
    label: 'Environment',
  },
  ArtifactKeyPrefix: text('Artifact Key Prefix', 'Key prefix of the templates, code and definition in the artifact bucket.', 1, 50, {
    Default: DEFAULT_KEY_PREFIX,
    AllowedPattern: '^[a-zA-Z0-9!_.*()-]+(/[a-zA-Z0-9!_.*()-]+)*$',
    ConstraintDescription: 'S3 key characters, no leading or trailing slash',
  }),
  KmsMasterKeyAlias: text('KMS Key Alias', 'Alias (without "alias/") of the customer managed KMS key that encrypts the bucket, queues and topic.', 5, 20, {
    AllowedPattern: '^[a-zA-Z0-9-]+$',
    ConstraintDescription: '5 to 20 letters, digits or hyphens',
  }),
  KmsMasterKeyId: text('KMS Key Id', 'Id of the same KMS key (36 characters); the templates build its ARN.', 36, 36, {
    AllowedPattern: '^[a-z0-9-]+$',
    ConstraintDescription: '36 lowercase letters, digits or hyphens',
  }),
  KmsMasterKeyArn: text('KMS Key ARN', 'ARN of the KMS key (built by the root stack from KmsMasterKeyId).', 20, 2048, {
    AllowedPattern: '^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[a-z0-9-]+$',
    ConstraintDescription: 'a KMS key ARN',
  }),
  SQSQueueBaseName: text('SQS Queue Base Name', 'Base name of the callback queue (its dead-letter queue adds "-dlq").', 10, 40, {
    Default: 'bellflower-sqs-queue',
    AllowedPattern: '^[a-zA-Z0-9_-]+$',
  }),
  DelaySeconds: num('Delay Seconds', 'Delivery delay of the callback queue, in seconds.', 0, 0, 900),
  MaximumMessageSize: num('Maximum Message Size', 'Maximum message size of the callback queue, in bytes.', 262_144, 1024, 262_144),
  MessageRetentionPeriod: num('Message Retention Period', 'Retention of the callback queue, in seconds.', 345_600, 60, 1_209_600),
  ReceiveMessageWaitTimeSeconds: num('Receive Message Wait Time Seconds', 'Long-polling wait of the callback queue, in seconds.', 0, 0, 20),
  VisibilityTimeout: num(
    'Visibility Timeout',
    'Visibility timeout of the callback queue, in seconds; at least 6 times LambdaFunctionTimeoutSecs (what AWS recommends for a Lambda event source; deploy checks it).',
    1800,
    1,
    43_200,
  ),
  MaxReceiveCount: num(
    'Max Receive Count',
    'Receives of a callback message before it moves to the dead-letter queue (at least 5, so that throttling alone does not dead-letter a message).',
    5,
    1,
    1000,
  ),
  SNSTopicBaseName: text('SNS Topic Base Name', 'Base name of the result topic.', 10, 40, {
    Default: 'bellflower-sns-topic',
    AllowedPattern: '^[a-zA-Z][a-zA-Z0-9_-]*$',
    ConstraintDescription: 'starts with a letter; letters, digits, hyphens, underscores',
  }),
  SNSTopicDisplayName: text('SNS Topic Display Name', 'Display name of the result topic (e-mail sender name).', 10, 100, {
    Default: 'Bellflower State Machine Notification',
  }),
  SNSSubscriptionEmail: text('SNS Subscription Email', 'E-mail address subscribed to the result topic.', 10, 100, {
    AllowedPattern: '^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$',
    ConstraintDescription: 'an e-mail address',
  }),
  LambdaExecutionRoleName: text('Lambda Execution Role Name', 'Base name of the Lambda execution role.', 5, NAME_MAX_WITH_SUFFIX, {
    // The original's default (41 characters): with an environment and a region the preflight checks the role name's exact length.
    Default: 'bellflower-lambda-function-execution-role',
    ...IAM_NAME,
  }),
  LambdaExecutionPolicyName: text('Lambda Execution Policy Name', 'Name of the Lambda execution role policy.', 5, 50, {
    Default: 'bellflower-lambda-function-execution-policy',
    ...IAM_NAME,
  }),
  LambdaHandlerPath: text('Lambda Handler Path', 'Handler of the Lambda functions.', 10, 50, { Default: LAMBDA_HANDLER }),
  LambdaRuntime: {
    Type: 'String',
    Description: 'Runtime of the Lambda functions.',
    Default: LAMBDA_RUNTIME,
    AllowedValues: [LAMBDA_RUNTIME],
    label: 'Lambda Runtime',
  },
  LambdaFunctionTimeoutSecs: num('Lambda Function Timeout', 'Timeout of the Lambda functions, in seconds.', 300, 3, 900),
  LambdaFunctionMemory: num('Lambda Function Memory', 'Memory of the Lambda functions, in MB.', 256, 128, 10_240),
  LambdaLogLevel: {
    Type: 'String',
    Description: 'Log level of the Lambda functions (POWERTOOLS_LOG_LEVEL).',
    Default: 'INFO',
    AllowedValues: ['DEBUG', 'INFO', 'WARN', 'ERROR'],
    label: 'Lambda Log Level',
  },
  LogRetentionInDays: {
    Type: 'Number',
    Description: 'Retention of the function and state machine log groups, in days.',
    Default: 30,
    AllowedValues: LOG_RETENTION_DAYS,
    label: 'Log Retention In Days',
  },
  SimulatedWorkMs: num('Simulated Work', 'Milliseconds the processing function waits to look like work (SIMULATED_WORK_MS).', 5000, 0, 60_000),
  LambdaFunctionCodeBucket: text('Artifact Bucket', 'Artifact bucket holding the templates, handler code and state machine definition.', 3, 63, {
    AllowedPattern: '^[a-z0-9][a-z0-9.-]*[a-z0-9]$',
    ConstraintDescription: 'an S3 bucket name',
  }),
  ProcessingLambdaFunctionCodeKey: codeKey('Processing Lambda Code Key', 'processing function'),
  ProcessingLambdaFunctionName: text('Processing Lambda Function Name', 'Base name of the processing function.', 15, NAME_MAX_WITH_SUFFIX, {
    Default: 'bellflower-processing-lambda',
    AllowedPattern: '^[a-zA-Z0-9_-]+$',
  }),
  ProcessingLambdaFunctionDescription: text('Processing Lambda Description', 'Description of the processing function.', 30, 200, {
    Default: 'Bellflower processing Lambda: enriches the execution input with an id and data.',
  }),
  IntegrationLambdaFunctionCodeKey: codeKey('Integration Lambda Code Key', 'integration function'),
  IntegrationLambdaFunctionName: text('Integration Lambda Function Name', 'Base name of the integration function.', 10, NAME_MAX_WITH_SUFFIX, {
    Default: 'bellflower-integration-lambda',
    AllowedPattern: '^[a-zA-Z0-9_-]+$',
  }),
  IntegrationLambdaFunctionDescription: text('Integration Lambda Description', 'Description of the integration function.', 30, 200, {
    Default: 'Bellflower integration Lambda: hands task tokens to the business application and returns its answer.',
  }),
  LambdaFunctionCodeKey: codeKey('Lambda Code Key', 'function'),
  LambdaFunctionName: text('Lambda Function Name', 'Base name of the function.', 10, NAME_MAX_WITH_SUFFIX, {
    AllowedPattern: '^[a-zA-Z0-9_-]+$',
  }),
  LambdaFunctionDescription: text('Lambda Function Description', 'Description of the function.', 30, 200),
  LambdaExecutionRoleArn: text('Lambda Execution Role ARN', 'ARN of the function execution role.', 20, 2048, {
    AllowedPattern: '^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$',
  }),
  S3IntegrationBucketName: text('S3 Integration Bucket Name', 'Base name of the integration bucket.', 3, 40, {
    Default: 'bellflower-integration-bucket',
    AllowedPattern: '^[a-z0-9][a-z0-9-]*$',
    ConstraintDescription: 'lowercase letters, digits and hyphens',
  }),
  S3BucketBaseName: text('S3 Bucket Base Name', 'Base name of the integration bucket.', 3, 40, {
    AllowedPattern: '^[a-z0-9][a-z0-9-]*$',
    ConstraintDescription: 'lowercase letters, digits and hyphens',
  }),
  S3DataBucketFolder: {
    Type: 'CommaDelimitedList',
    Description: 'Folders created in the integration bucket ("do_not_create" is skipped).',
    Default: 'inbound,outbound',
    label: 'S3 Data Bucket Folders',
  },
  S3BucketBlockPublicAcls: alwaysTrue('Block Public ACLs', 'Block public ACLs on the integration bucket.'),
  S3BucketBlockPublicPolicy: alwaysTrue('Block Public Policy', 'Block public bucket policies on the integration bucket.'),
  S3BucketIgnorePublicAcls: alwaysTrue('Ignore Public ACLs', 'Ignore public ACLs on the integration bucket.'),
  S3BucketRestrictPublicBuckets: alwaysTrue('Restrict Public Buckets', 'Restrict public bucket policies on the integration bucket.'),
  S3ObjectExpirationInDays: num(
    'S3 Object Expiration In Days',
    'Days after which the exchange files (task tokens, data, answers) under outbound/ and inbound/ expire; longer than the callback timeout (deploy checks it). Noncurrent versions expire a day later.',
    30,
    1,
    3650,
  ),
  BusinessApplicationPrincipal: text(
    'Business Application Principal',
    'The business application: an AWS account id or an IAM role ARN, possibly in another account, that may assume the business application role (read outbound/, write the answers). Empty: no role (the default).',
    0,
    2048,
    {
      Default: '',
      AllowedPattern: '^$|^[0-9]{12}$|^arn:aws[a-z-]*:iam::[0-9]{12}:role/[\\w+=,.@/-]+$',
      ConstraintDescription: 'empty, a 12-digit account id or an IAM role ARN',
    },
  ),
  BusinessApplicationExternalId: text(
    'Business Application External Id',
    'External id the business application must pass when it assumes the role (AWS third-party access guidance); empty: none.',
    0,
    1224,
    {
      Default: '',
      AllowedPattern: '^$|^[\\w+=,.@:/-]{2,1224}$',
      ConstraintDescription: 'empty, or 2 to 1224 characters: letters, digits and +=,.@:/-',
    },
  ),
  AlarmsEnabled: flag('Alarms Enabled', 'Create the CloudWatch alarms (dead-letter queues, failed executions, function errors and throttles) that notify the result topic.'),
  AlarmTopicArn: text('Alarm Topic ARN', 'Topic the alarms notify (the result topic).', 20, 2048, {
    AllowedPattern: '^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[a-zA-Z0-9_-]+$',
    ConstraintDescription: 'an SNS topic ARN',
  }),
  S3CustomResourceStackName: text('S3 Custom Resource Stack Name', 'Name of the cross stack exporting the custom-resource functions.', 1, 128, {
    Default: 'bellflower-s3-custom-resource-stack',
    AllowedPattern: '^[a-zA-Z][a-zA-Z0-9-]*$',
    ConstraintDescription: 'a CloudFormation stack name',
  }),
  S3CreateFolderLambdaFunctionCodeKey: codeKey('Create Folder Lambda Code Key', 'folder custom-resource function'),
  S3NotificationLambdaFunctionCodeKey: codeKey('Notification Lambda Code Key', 'notification custom-resource function'),
  StepFunctionExecutionRoleName: text('Step Function Execution Role Name', 'Base name of the state machine role.', 5, NAME_MAX_WITH_SUFFIX, {
    Default: 'bellflower-step-function-execution-role',
    ...IAM_NAME,
  }),
  StepFunctionExecutionPolicyName: text('Step Function Execution Policy Name', 'Name of the state machine role policy.', 5, 50, {
    Default: 'bellflower-step-function-execution-policy',
    ...IAM_NAME,
  }),
  StepFunctionName: text('Step Function Name', 'Base name of the state machine.', 5, 50, {
    Default: 'bellflower-state-machine',
    AllowedPattern: '^[a-zA-Z0-9_-]+$',
  }),
  StateMachineDefinitionKey: text('State Machine Definition Key', 'S3 key of the ASL definition (content-addressed, set by deploy).', 10, 100, {
    AllowedPattern: '^[a-zA-Z0-9!_.*()/-]+\\.json$',
    ConstraintDescription: 'an S3 key ending in .json',
  }),
  // The bootstrap stack (templates/bootstrap-stack.ts); `npm run bootstrap` sets all four.
  ArtifactBucketName: text('Artifact Bucket Name', 'Name of the artifact bucket (created here unless CreateArtifactBucket is false).', 3, 63, {
    AllowedPattern: '^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$',
    ConstraintDescription: 'a valid S3 bucket name',
  }),
  CreateArtifactBucket: flag('Create Artifact Bucket', 'false adopts an existing bucket of this account: the stack neither creates nor changes it.'),
  ExistingKmsKeyId: text('Existing KMS Key Id', 'Id of an existing customer managed key to adopt; empty creates the key here.', 0, 36, {
    Default: '',
    AllowedPattern: '^([a-z0-9-]{36})?$',
    ConstraintDescription: 'empty, or a KMS key id (36 lowercase letters, digits or hyphens)',
  }),
  RootStackName: text('Root Stack Name', 'Name of the root stack: the execution role may be used for it and its nested stacks only.', 1, 128, STACK_NAME),
  CrossStackName: text('Cross Stack Name', 'Name of the cross stack: the execution role may be used for it too.', 1, 128, STACK_NAME),
  CreateKmsKeyAlias: flag('Create KMS Key Alias', 'false when the alias already exists (it points at the adopted key).'),
} satisfies Record<string, ParameterDefinition>;

/** A parameter name of the catalog. */
export type ParameterName = keyof typeof PARAMETERS;

/** Attribute order of a parameter in the emitted templates. */
const PARAMETER_KEY_ORDER = [
  'Type',
  'Description',
  'Default',
  'AllowedValues',
  'AllowedPattern',
  'MinLength',
  'MaxLength',
  'MinValue',
  'MaxValue',
  'ConstraintDescription',
] as const satisfies readonly (keyof ParameterDefinition)[];

/** The callback queue's settings, passed unchanged from the root stack to the SQS stack. */
export const SQS_QUEUE_PARAMETERS = [
  'SQSQueueBaseName',
  'DelaySeconds',
  'MaximumMessageSize',
  'MessageRetentionPeriod',
  'ReceiveMessageWaitTimeSeconds',
  'VisibilityTimeout',
  'MaxReceiveCount',
] as const satisfies readonly ParameterName[];

/** The result topic's settings, passed unchanged from the root stack to the SNS stack. */
export const SNS_TOPIC_PARAMETERS = ['SNSTopicBaseName', 'SNSTopicDisplayName', 'SNSSubscriptionEmail'] as const satisfies readonly ParameterName[];

/** The bucket's public access block flags, passed unchanged from the root stack to the S3 stack. */
export const S3_PUBLIC_ACCESS_PARAMETERS = [
  'S3BucketBlockPublicAcls',
  'S3BucketBlockPublicPolicy',
  'S3BucketIgnorePublicAcls',
  'S3BucketRestrictPublicBuckets',
] as const satisfies readonly ParameterName[];

/** One `AWS::CloudFormation::Interface` parameter group. */
export interface ParameterGroup {
  readonly label: string;
  readonly parameters: readonly ParameterName[];
}

/**
 * Builds the `Parameters` section and the `AWS::CloudFormation::Interface` metadata for the
 * given groups (every parameter appears in exactly one group, in the order given).
 */
export function parameters(groups: readonly ParameterGroup[]): {
  Parameters: Record<string, Omit<ParameterDefinition, 'label'>>;
  Interface: Record<string, unknown>;
} {
  const Parameters: Record<string, Omit<ParameterDefinition, 'label'>> = {};
  const ParameterLabels: Record<string, { default: string }> = {};
  for (const group of groups) {
    for (const name of group.parameters) {
      if (name in Parameters) throw new Error(`parameter ${name} is listed in two groups`);
      const definition = PARAMETERS[name] as ParameterDefinition;
      Parameters[name] = Object.fromEntries(
        PARAMETER_KEY_ORDER.filter((key) => definition[key] !== undefined).map((key) => [key, definition[key]]),
      ) as Omit<ParameterDefinition, 'label'>;
      ParameterLabels[name] = { default: definition.label };
    }
  }
  return {
    Parameters,
    Interface: {
      ParameterGroups: groups.map((g) => ({ Label: { default: g.label }, Parameters: [...g.parameters] })),
      ParameterLabels,
    },
  };
}
