import {useEffect, useState} from 'react';
import type {FleetImagesReading} from '../../flows/fleet-images.js';
import type {FleetServices} from '../services/fleet-services.js';
import {useSerialReload} from './use-serial-reload.js';
import {safeText} from '../../text.js';

export interface FleetImages {
	/** The last matrix read; kept on screen while the hosts are read again. */
	reading?: FleetImagesReading;
	/** A read is under way. */
	loading: boolean;
	/** Why the last read failed as a whole (one host's failure is that host's cell). */
	error?: string;
	/** Reads every host's images again, once they have been asked for. */
	reload: () => void;
}

/**
 * The images × hosts matrix, read the first time the images view is shown (the plugins view never
 * pays for it), then on ctrl-r and after each pull while it is.
 */
export function useFleetImages(services: FleetServices, shown: boolean): FleetImages {
	const [reading, setReading] = useState<FleetImagesReading>();
	const [loading, setLoading] = useState(false);
	const [error, setError] = useState<string>();
	const [asked, setAsked] = useState(false);
	const load = useSerialReload(async mounted => {
		setLoading(true);
		try {
			const read = await services.readImages();
			if (mounted()) {
				setReading(read);
				setError(undefined);
			}
		} catch (failure) {
			if (mounted()) {
				setError(safeText((failure as Error)?.message ?? failure).slice(0, 300));
			}
		} finally {
			if (mounted()) {
				setLoading(false);
			}
		}
	});

	useEffect(() => {
		if (shown && !asked) {
			setAsked(true);
			void load();
		}
	}, [shown, asked, load]);

	return {
		reading,
		loading,
		error,
		reload() {
			if (asked) {
				void load();
			}
		},
	};
}
