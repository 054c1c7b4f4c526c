/** How the API logs in to MongoDB. */
export interface MongoLogin {
    host: string;
    port: number;
    username: string;
    password: string;
    /** The API's database, which is also where its user is defined. */
    database: string;
}

/** The connection string the API reads from MONGO_URI: its own user, authenticated against its own database. */
export function mongoUri({ host, port, username, password, database }: MongoLogin): string {
    return `mongodb://${username}:${password}@${host}:${port}/${database}?authSource=${database}`;
}
