/** Test support: the notification custom resource's properties (unit and moto tests). */

export const BUCKET = 'bellflower-integration-bucket';
export const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:bellflower-integration-lambda-devl-us-east-1';
export const PROPERTIES = {
  LambdaArn: FUNCTION_ARN,
  Bucket: BUCKET,
  NotificationEventName: 's3:ObjectCreated:*',
  Prefix: 'inbound',
  Suffix: '.json',
};
