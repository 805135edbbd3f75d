import { Code, Stack, Text } from '@mantine/core';

export function ExportView({ e }: { e: { directory: string; files: string[]; commands: string[] } }) {
  return (
    <Stack gap="xs" data-testid="certificate-export">
      <Text size="sm">
        Written to <Code>{e.directory}</Code>: {e.files.join(', ')}. Run these in that folder (also in its VERIFY.md and
        verify.sh):
      </Text>
      <Code block aria-label="OpenSSL commands">
        {e.commands.join('\n')}
      </Code>
    </Stack>
  );
}
