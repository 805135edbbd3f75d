import { Alert, Code, Text } from '@mantine/core';
import type { ArxError } from './arx-client';

/** An error envelope shown as it came: stable code first, then main's message. */
export function ErrorNotice({ error, title }: { error: ArxError; title?: string }) {
  return (
    <Alert
      color="red"
      variant="outline"
      role="alert"
      title={title ?? 'The request failed'}
      data-error-code={error.code}
    >
      <Text size="sm">
        <Code fw={700}>{error.code}</Code> {error.message}
      </Text>
    </Alert>
  );
}
