import {useEffect, useMemo, useRef, useState} from 'react';
import type {ImageWithUsage} from '../docker/images.js';
import type {ImageUpdate} from '../docker/image-updates.js';
import type {HostServices} from './services.js';

export type ImageUpdateState = ImageUpdate | {updateAvailable: undefined};

export const imageKey = (image: ImageWithUsage) => `${image.id}|${image.repository}:${image.tag}`;

/**
 * "Is there a newer build behind this tag?" for every image, in the background: the panes are
 * drawn first and show "checking…" until each answer comes. New images are checked as they
 * appear; everything is checked afresh every `recheckSeconds` (Kasm's agents re-pull hourly).
 */
export function useImageUpdates(services: HostServices, images: ImageWithUsage[] | undefined): Map<string, ImageUpdateState> {
	const answers = useRef(new Map<string, ImageUpdateState>());
	const [tick, setTick] = useState(0);
	const [round, setRound] = useState(0);

	useEffect(() => {
		if (!services.settings) {
			return;
		}

		let timer: NodeJS.Timeout | undefined;
		void services.settings().then(settings => {
			if (settings.recheckIntervalSeconds > 0) {
				timer = setInterval(() => setRound(value => value + 1), settings.recheckIntervalSeconds * 1000);
				// A re-check must never keep the process alive on its own.
				timer.unref();
			}
		});
		return () => clearInterval(timer);
	}, [services]);

	useEffect(() => {
		if (!images || !services.imageUpdates) {
			return;
		}

		const fresh = round > 0;
		const wanted = fresh ? images : images.filter(image => !answers.current.has(imageKey(image)));
		if (wanted.length === 0) {
			return;
		}

		let current = true;
		for (const image of wanted) {
			answers.current.set(imageKey(image), {updateAvailable: undefined});
		}

		setTick(tick => tick + 1);
		void services
			.imageUpdates(
				wanted,
				(image, update) => {
					answers.current.set(imageKey(image), update);
					if (current) {
						setTick(tick => tick + 1);
					}
				},
				{fresh},
			)
			.catch(() => {});
		return () => {
			current = false;
		};
	}, [services, images, round]);

	// A copy per change (answers arrive one by one), so the rows built from it are rebuilt only then.
	return useMemo(() => new Map(answers.current), [tick]);
}
