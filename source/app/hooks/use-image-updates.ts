import {useEffect, useMemo, useRef, useState} from 'react';
import type {ImageWithUsage} from '../../docker/images.js';
import type {ImageUpdate} from '../../flows/image-updates.js';
import type {HostServices} from '../services/host-services.js';

export type ImageUpdateState = ImageUpdate | {updateAvailable: undefined};

export const imageKey = (image: ImageWithUsage) => `${image.id}|${image.repository}:${image.tag}`;

/**
 * "Is there a newer build behind this tag?" for every image, in the background: the panes are
 * drawn first and show "checking…" until each answer comes. New images (and new builds) are
 * checked as they appear; every `recheckIntervalSeconds` all of them are checked again, and the
 * checker asks a registry only about tags whose answer is older than `updateCheckTtlSeconds`.
 */
export function useImageUpdates(services: HostServices, images: ImageWithUsage[] | undefined): Map<string, ImageUpdateState> {
	const answers = useRef(new Map<string, ImageUpdateState>());
	const [tick, setTick] = useState(0);
	const [round, setRound] = useState(0);
	// A reload (every container event) must not count as a round: only the timer starts one.
	const checkedRound = useRef(0);

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

		const everyImage = round !== checkedRound.current;
		checkedRound.current = round;
		const wanted = everyImage ? images : images.filter(image => !answers.current.has(imageKey(image)));
		if (wanted.length === 0) {
			return;
		}

		let current = true;
		for (const image of wanted) {
			// A re-check keeps showing the last answer until the new one comes.
			if (!answers.current.has(imageKey(image))) {
				answers.current.set(imageKey(image), {updateAvailable: undefined});
			}
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
			)
			.catch(() => {});
		return () => {
			current = false;
		};
	}, [services, images, round]);

	// A copy per change (answers arrive one by one), so the rows built from it are rebuilt only then.
	return useMemo(() => new Map(answers.current), [tick]);
}
