import {Box, renderToString, Text} from 'ink';

/** One frame of boxes and text drawn without a terminal: Ink's, React's and yoga's drawing code runs once. */
export function drawWarmFrame(): void {
	renderToString(
		<Box flexDirection="column" borderStyle="single" width={60}>
			<Box>
				<Box width={20}>
					<Text bold inverse>
						▸ kasmweb/sidecar ─ ·
					</Text>
				</Box>
				<Text color="green" dimColor wrap="truncate-end">
					enabled · rolling (auto-updates) and a long line that wraps
				</Text>
			</Box>
		</Box>,
		{columns: 60},
	);
}
