/**
 * Kasm's rule for automated updates, in one place: a name or tag ending in `-rolling…`
 * (`kasmweb/sidecar:amd64-1.2-rolling`) is rolling, so auto-update may replace it.
 */
export const rollingIdentifier = /-rolling.*$/;

export function isRolling(name: string): boolean {
	return rollingIdentifier.test(name);
}
