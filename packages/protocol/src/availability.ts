/** Availability, working hours, urgent messages and on-call schedules. */
export {};
