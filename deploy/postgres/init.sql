-- Each service owns its database (DESIGN.md: a service never reads another's).
CREATE DATABASE matching;
CREATE DATABASE events;
CREATE DATABASE training;
CREATE DATABASE notify;
