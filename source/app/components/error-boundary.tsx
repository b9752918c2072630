import {Text} from 'ink';
import {Component, type ReactNode} from 'react';
import {KasmTuiError} from '../../errors.js';
import {printable, truncate} from '../../text.js';

/** The screen could not draw itself: one line for the operator, the stack only in --debug's file. */
export class ScreenFailed extends KasmTuiError {
	override name = 'ScreenFailed';
	constructor(override readonly cause: Error) {
		super(`the screen failed to draw (${printable(cause.message).slice(0, 200)}); run it again with --debug FILE for the details, and report it`);
	}
}

interface Props {
	/** Called once with what failed; the screen closes once no change is under way. */
	onError: (failure: ScreenFailed) => void;
	children: ReactNode;
}

/**
 * A render error in any view becomes one line and a clean exit through the usual error path
 * (exit 1), never Ink's stack trace with source lines on the operator's terminal. While the screen
 * closes, the failure is all it draws.
 */
export class ErrorBoundary extends Component<Props, {failure?: ScreenFailed}> {
	static getDerivedStateFromError(error: unknown): {failure: ScreenFailed} {
		return {failure: new ScreenFailed(error instanceof Error ? error : new Error(String(error)))};
	}

	override state: {failure?: ScreenFailed} = {};

	override componentDidCatch(error: unknown): void {
		this.props.onError(this.state.failure ?? new ScreenFailed(error instanceof Error ? error : new Error(String(error))));
	}

	override render(): ReactNode {
		const {failure} = this.state;
		return failure ? <Text color="red">{truncate(`kasm-tui: ${failure.message}`, Math.max(20, process.stdout.columns ?? 80))}</Text> : this.props.children;
	}
}
