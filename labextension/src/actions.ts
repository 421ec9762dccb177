import { KitModel } from './model';
import { IActions } from './widgets/form';

/**
 * The sidebar's and the command palette's actions, on the model: the folder for pack and unpack is
 * the file browser's current folder (a path relative to the server's root).
 */
export class KitActions implements IActions {
  constructor(
    private readonly model: KitModel,
    private readonly currentPath: () => string
  ) {}

  pack(tag: string): Promise<unknown> {
    return this.model.pack(this.currentPath(), tag);
  }

  push(source: string, destination: string): Promise<unknown> {
    return this.needs(source) ?? this.model.push(source, destination);
  }

  pull(reference: string): Promise<unknown> {
    return this.needs(reference) ?? this.model.pull(reference);
  }

  unpack(reference: string, filters: string[]): Promise<unknown> {
    return this.needs(reference) ?? this.model.unpack(reference, this.currentPath(), filters);
  }

  remove(reference: string): Promise<unknown> {
    return this.needs(reference) ?? this.model.remove(reference);
  }

  tags(repository: string): Promise<unknown> {
    return this.needs(repository) ?? this.model.showTags(repository);
  }

  refresh(): Promise<unknown> {
    return this.model.refresh();
  }

  private needs(reference: string): Promise<null> | undefined {
    if (reference.trim()) {
      return undefined;
    }
    this.model.fail('Enter a reference (registry/repository:tag) first.', 'Click a ModelKit in the list to fill it in.');
    return Promise.resolve(null);
  }
}
